"""つなぐ先: the coordinators' pages of a town's support directory. The municipality's
organisation (and the organisation running its platform) keeps it; the platform's members
propose entries, which the keepers approve. Everything 404s outside the viewer's organisations."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.directory_forms import DirectoryEntryForm
from app.coordinate.loaders import load_organisation
from app.extensions import db
from app.forms import ConfirmForm
from app.models import DirectoryEntry, EntryStatus, Municipality, Organisation
from app.services.certificates.fonts import FontMissingError
from app.services.directory import access, entries
from app.web import support_cards
from app.web.pdf import font_missing_page, pdf_response

KEEPER, PROPOSER = "keeper", "proposer"
REFUSALS = {
    "not_published": _l("掲載中の相談先ではありません。"),
    "not_proposed": _l("この提案は、もう決まっています。"),
    "retired": _l("掲載を終えた相談先は変えられません。"),
}


@bp.context_processor
def _directory_review() -> dict:
    # A function, so only the organisation page (which shows the count) pays for its query.
    return {"directory_review_count": review_count}


def review_count(org: Organisation) -> int:
    """How many published entries of the directories `org` keeps are over a year unchecked."""
    today = entries.today_jst()
    return sum(len(entries.stale(db.session, code, today)) for code in sorted(access.kept_codes(db.session, org)))


def load_directory(org_id: int, code: str, *, keeper: bool = False) -> tuple[Organisation, Municipality, str]:
    """The organisation, the town and the organisation's part in its directory; 404 when the
    viewer may not see the organisation or the organisation has no part in this town's directory."""
    org = load_organisation(org_id)
    municipality = db.session.get(Municipality, code) if code.isdigit() and len(code) == 6 else None
    role = access.role_for(db.session, org, code) if municipality is not None else None
    if role is None or (keeper and role != KEEPER):
        abort(404)
    return org, municipality, role


def load_entry(org_id: int, code: str, entry_id: int) -> tuple[Organisation, DirectoryEntry]:
    org, _municipality, _role = load_directory(org_id, code, keeper=True)
    entry = entries.entry_in(db.session, code, entry_id)
    if entry is None:
        abort(404)
    return org, entry


def _refused(form: DirectoryEntryForm, error: entries.DirectoryError) -> None:
    # The form's own checks catch everything first; this is the service's second look.
    field = form[error.field] if error.field and error.field in form else form.name
    field.errors = [*field.errors, _("入力を確かめてください。")]


def _back(org: Organisation, code: str):
    return redirect(url_for("coordinate.directory", org_id=org.id, code=code))


@bp.route("/organisations/<int:org_id>/directory")
def directory_index(org_id: int):
    org = load_organisation(org_id)
    kept = sorted(access.kept_codes(db.session, org))
    proposable = sorted(access.proposable_codes(db.session, org))
    if len(kept) + len(proposable) == 1:
        return _back(org, (kept or proposable)[0])
    towns = {code: db.session.get(Municipality, code) for code in kept + proposable}
    return render_template("coordinate/directory_index.html", org=org, kept=kept, proposable=proposable, towns=towns)


@bp.route("/organisations/<int:org_id>/directory/<code>")
def directory(org_id: int, code: str):
    org, municipality, role = load_directory(org_id, code)
    today = entries.today_jst()
    context = {"org": org, "municipality": municipality, "role": role, "form": ConfirmForm(), "today": today}
    if role == KEEPER:
        published = entries.all_of(db.session, code, [EntryStatus.PUBLISHED])
        context.update(
            published=published, stale={e.id for e in published if entries.needs_check(e, today)},
            proposals=entries.all_of(db.session, code, [EntryStatus.PROPOSED]),
            closed=entries.all_of(db.session, code, [EntryStatus.RETIRED, EntryStatus.REJECTED]))
    else:
        context.update(published=entries.published(db.session, code), stale=set(),
                       mine=entries.proposals_by(db.session, code, org))
    return render_template("coordinate/directory.html", **context)


@bp.route("/organisations/<int:org_id>/directory/<code>/new", methods=["GET", "POST"])
def directory_new(org_id: int, code: str):
    org, municipality, role = load_directory(org_id, code)
    form = DirectoryEntryForm()
    if not form.is_submitted():
        form.checked_on.data = entries.today_jst()
    if form.validate_on_submit():
        try:
            entries.add_entry(db.session, code, form.values(), actor=current_user,
                              proposed_by=org if role == PROPOSER else None)
        except entries.DirectoryError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("相談先を掲載しました。") if role == KEEPER
                  else _("相談先を提案しました。%(town)sの担当者が確かめてから掲載されます。", town=municipality.name),
                  "success")
            return _back(org, code)
    return render_template("coordinate/directory_form.html", org=org, municipality=municipality, role=role,
                           form=form, entry=None)


@bp.route("/organisations/<int:org_id>/directory/<code>/<int:entry_id>/edit", methods=["GET", "POST"])
def directory_edit(org_id: int, code: str, entry_id: int):
    org, entry = load_entry(org_id, code, entry_id)
    if entry.status is EntryStatus.RETIRED or entry.status is EntryStatus.REJECTED:
        flash(str(REFUSALS["retired"]), "error")
        return _back(org, code)
    form = DirectoryEntryForm(obj=entries.fields_of(entry))
    if form.validate_on_submit():
        try:
            entries.update_entry(db.session, entry, form.values(), actor=current_user)
        except entries.DirectoryError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("相談先を更新しました。"), "success")
            return _back(org, code)
    return render_template("coordinate/directory_form.html", org=org, municipality=entry.municipality,
                           role=KEEPER, form=form, entry=entry)


def _decision(org_id: int, code: str, entry_id: int, change, done: str):
    org, entry = load_entry(org_id, code, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(db.session, entry, actor=current_user)
    except entries.DirectoryError as error:
        flash(str(REFUSALS.get(error.code, _l("この操作はできません。"))), "error")
        return _back(org, code)
    db.session.commit()
    flash(done, "success")
    return _back(org, code)


@bp.route("/organisations/<int:org_id>/directory/<code>/<int:entry_id>/checked", methods=["POST"])
def directory_checked(org_id: int, code: str, entry_id: int):
    return _decision(org_id, code, entry_id, entries.mark_checked, _("確認日を今日にしました。"))


@bp.route("/organisations/<int:org_id>/directory/<code>/<int:entry_id>/retire", methods=["POST"])
def directory_retire(org_id: int, code: str, entry_id: int):
    return _decision(org_id, code, entry_id, entries.retire_entry, _("相談先の掲載をやめました。"))


@bp.route("/organisations/<int:org_id>/directory/<code>/<int:entry_id>/approve", methods=["POST"])
def directory_approve(org_id: int, code: str, entry_id: int):
    return _decision(org_id, code, entry_id, entries.approve, _("提案を承認し、掲載しました。"))


@bp.route("/organisations/<int:org_id>/directory/<code>/<int:entry_id>/reject", methods=["POST"])
def directory_reject(org_id: int, code: str, entry_id: int):
    return _decision(org_id, code, entry_id, entries.reject, _("提案を見送りました。"))


@bp.route("/organisations/<int:org_id>/directory/<code>/cards.pdf")
def directory_cards(org_id: int, code: str):
    """An A4 sheet of ten cards (fronts, then backs) to print for an in-person session or a class:
    for the directory's keepers and proposers, and for any organisation of the town (a school);
    ?children=1 gives the children's card."""
    org = load_organisation(org_id)
    if org.municipality_code == code:
        municipality = db.session.get(Municipality, code)
    else:
        _org, municipality, _role = load_directory(org_id, code)
    try:
        data = support_cards.card_pdf(municipality, children=request.args.get("children") == "1", sheet=True)
    except FontMissingError as error:
        return font_missing_page(error)
    return pdf_response(data, f"tsunagu-cards-{code}.pdf")
