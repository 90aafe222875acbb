"""School classes: a teacher creates pupils without e-mail, prints login cards, resets passwords."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.class_forms import BulkNamesForm
from app.coordinate.forms import CardsForm, ClassForm, RenameForm
from app.coordinate.loaders import load_class, load_organisation, load_pupil
from app.extensions import db
from app.forms import ConfirmForm
from app.models import OrganisationKind
from app.services.accounts import class_roster, pupils
from app.services.certificates.fonts import find_japanese_fonts
from app.urls import external_url
from app.web.downloads import download


@bp.route("/organisations/<int:org_id>/classes", methods=["GET", "POST"])
def classes(org_id: int):
    org = load_organisation(org_id)
    form = ClassForm()
    if org.kind is OrganisationKind.SCHOOL and form.validate_on_submit():
        school_class = pupils.create_class(db.session, org, name=form.name.data, count=form.count.data,
                                           name_for=lambda n: _("%(name)s %(number)d番", name=form.name.data.strip(),
                                                                number=n),
                                           actor=current_user)
        db.session.commit()
        flash(_("クラスを作りました。次に、ログインカードを印刷してください。"), "success")
        return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=school_class.id))
    return render_template("coordinate/classes.html", org=org, form=form,
                           classes=pupils.classes_of(db.session, org),
                           is_school=org.kind is OrganisationKind.SCHOOL)


@bp.route("/organisations/<int:org_id>/classes/<int:class_id>")
def school_class(org_id: int, class_id: int):
    org, school_class = load_class(org_id, class_id)
    sort = request.args.get("sort", "number")
    sort = sort if sort in class_roster.SORTS else "number"
    rows = class_roster.progress_of(db.session, school_class, _default_name_for(school_class), sort=sort)
    return render_template("coordinate/school_class.html", org=org, school_class=school_class,
                           rows=rows, sort=sort, unnamed=[r for r in rows if not r.name_set],
                           form=ConfirmForm(), cards_form=CardsForm(formdata=None))


def _default_name_for(school_class):
    """The name a pupil gets when the class is made (the same text as in classes())."""
    return lambda n: _("%(name)s %(number)d番", name=school_class.name, number=n)


NAME_PROBLEMS = {
    "no_pupil": lambda: _("この番号の児童・生徒はいません。クラスの人数より行が多くなっています。"),
    "too_long": lambda: _("名前が長すぎて、修了証に収まりません。短くしてください。"),
    "characters": lambda: _("修了証に印刷できない文字があります（絵文字、一部の旧字体など）。ふつうの字体に置き換えてください。"),
    "too_many_lines": lambda: _("行が多すぎます。1行に1人ずつ、クラスの人数分だけ貼り付けてください。"),
}


@bp.route("/organisations/<int:org_id>/classes/<int:class_id>/names", methods=["GET", "POST"])
def class_names(org_id: int, class_id: int):
    """Paste the pupils' names, one per line; see what changes; then save (audited)."""
    org, school_class = load_class(org_id, class_id)
    form = BulkNamesForm()
    changes, problems = [], []
    if form.validate_on_submit():
        changes, problems = class_roster.parse_names(db.session, school_class, form.names.data)
        if form.save.data and not problems:
            saved = class_roster.apply_names(db.session, school_class, form.names.data, current_user)
            db.session.commit()
            flash(_("%(count)d人の表示名を保存しました。", count=len(saved)) if saved
                  else _("変わった表示名はありません。"), "success")
            return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=class_id))
    elif request.method == "GET":
        rows = pupils.pupils_of(db.session, school_class)
        default = _default_name_for(school_class)
        form.names.data = "\n".join("" if class_roster.default_name_like(school_class, p, default)
                                     else p.display_name for p in rows)
    previewed = request.method == "POST" and not form.errors
    return render_template("coordinate/class_names.html", org=org, school_class=school_class, form=form,
                           changes=changes, problems=[(p.line, NAME_PROBLEMS[p.code]()) for p in problems],
                           previewed=previewed)


@bp.route("/organisations/<int:org_id>/classes/<int:class_id>/cards", methods=["POST"])
def login_cards(org_id: int, class_id: int):
    org, school_class = load_class(org_id, class_id)
    form = CardsForm()
    if not form.validate_on_submit():
        return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=class_id))
    issued = pupils.passwords_for_cards(db.session, school_class, current_user,
                                        include_logged_in=form.include_logged_in.data)
    if not issued:
        db.session.rollback()
        flash(_("作り直すカードはありません。全員がログインしたことがあります。作り直す場合は、チェックを入れてください。"), "info")
        return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=class_id))
    font = find_japanese_fonts().gothic
    qr = {pupil.id: class_roster.login_qr_svg(external_url("auth.pupil_login", code=school_class.code,
                                                                 n=pupil.pupil_number))
          for pupil, _password in issued}
    html = render_template("coordinate/class_cards.html", org=org, school_class=school_class, issued=issued,
                           font_url=font.resolve().as_uri(), qr=qr,
                           login_url=external_url("auth.pupil_login"))
    pdf = pupils.cards_pdf(html, font)
    # Committed only once the PDF exists, so a failed render leaves the old passwords working.
    db.session.commit()
    return download(pdf, "application/pdf", f"login-cards-{school_class.code}.pdf", cache_control="no-store")


@bp.route("/organisations/<int:org_id>/classes/<int:class_id>/pupils/<int:pupil_id>/rename", methods=["POST"])
def rename_pupil(org_id: int, class_id: int, pupil_id: int):
    org, school_class, pupil = load_pupil(org_id, class_id, pupil_id)
    form = RenameForm()
    if form.validate_on_submit():
        pupils.rename(db.session, pupil, form.display_name.data, current_user)
        class_roster.follow_name(db.session, pupil, current_user)
        db.session.commit()
        flash(_("%(number)d番の表示名を変えました。", number=pupil.pupil_number), "success")
    else:
        for error in form.display_name.errors or [_("表示名は1〜60文字で入力してください。")]:
            flash(error, "error")
    return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=class_id))


@bp.route("/organisations/<int:org_id>/classes/<int:class_id>/pupils/<int:pupil_id>/reset", methods=["POST"])
def reset_pupil(org_id: int, class_id: int, pupil_id: int):
    org, school_class, pupil = load_pupil(org_id, class_id, pupil_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("coordinate.school_class", org_id=org.id, class_id=class_id))
    password = pupils.new_password(db.session, pupil, current_user)
    db.session.commit()
    # Shown once on this page, never stored in clear or put in the session cookie.
    response = render_template("coordinate/pupil_password.html", org=org, school_class=school_class, pupil=pupil,
                               password=password)
    return response, 200, {"Cache-Control": "no-store"}


