"""School classes: a teacher creates pupils without e-mail, prints login cards, resets passwords."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.forms import CardsForm, ClassForm, RenameForm
from app.coordinate.loaders import load_class, load_organisation, load_pupil
from app.extensions import db
from app.forms import ConfirmForm
from app.models import OrganisationKind
from app.services.accounts import pupils
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
    return render_template("coordinate/school_class.html", org=org, school_class=school_class,
                           pupils=pupils.pupils_of(db.session, school_class), form=ConfirmForm(),
                           cards_form=CardsForm(formdata=None))


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
    html = render_template("coordinate/class_cards.html", org=org, school_class=school_class, issued=issued,
                           font_url=font.resolve().as_uri(),
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


