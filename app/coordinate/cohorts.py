"""Coordinators' cohort pages: create, join poster, participants (CSV import), attendance,
dashboard, exports, 実施報告 and the certificates ZIP. Every object is loaded through
load_organisation, so another organisation's cohort answers 404 like a missing one."""
from __future__ import annotations

import datetime as dt
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.coordinate import bp
from app.coordinate.exporting import record_export
from app.coordinate.forms import CohortForm, ConfirmImportForm, UploadForm
from app.coordinate.loaders import load_cohort, load_import, load_invitation, load_organisation
from app.extensions import db
from app.forms import ConfirmForm
from app.jobs import dispatch_bulk, dispatch_invitations
from app.models import Certificate, Cohort, CohortMode, Enrolment
from app.services.certificates import bulk, documents
from app.services.certificates.fonts import FontMissingError
from app.services.cohorts import cohort_reports, cohorts, participant_import
from app.services.content import courses
from app.services.infra import exports
from app.urls import external_url
from app.web import cohort_mail, cohort_text
from app.web.downloads import XLSX, download
from app.web.pdf import font_missing_page, pdf_response

# --- helpers ------------------------------------------------------------------------------------------

def _course_choices() -> list[tuple[int, str]]:
    found = courses.published_courses(db.session)
    return [(c.id, c.live_version.title + (_("（子ども向け）") if c.audience.value == "children" else ""))
            for c in found]


def _fields(form: CohortForm) -> cohorts.CohortFields:
    day, start, end = form.day.data, form.start_time.data, form.end_time.data
    return cohorts.CohortFields(
        course_id=form.course_id.data, title=form.title.data, mode=CohortMode(form.mode.data),
        starts_at=cohorts.from_jst(day, start or dt.time(0, 0)) if day else None,
        ends_at=cohorts.from_jst(day, end) if day and end else None,
        venue=form.venue.data, meeting_url=form.meeting_url.data, capacity=form.capacity.data,
        instructor_name=form.instructor_name.data, registration_deadline=cohorts.deadline_from_day(form.deadline.data),
        is_public=bool(form.is_public.data))


def _fill(form: CohortForm, cohort: Cohort) -> None:
    start, end = cohorts.jst(cohort.starts_at), cohorts.jst(cohort.ends_at)
    form.course_id.data = cohort.course_id
    form.title.data = cohort.title
    form.mode.data = cohort.mode.value
    form.day.data = start.date() if start else None
    form.start_time.data = start.time().replace(second=0, microsecond=0) if start else None
    form.end_time.data = end.time().replace(second=0, microsecond=0) if end else None
    form.venue.data = cohort.venue
    form.meeting_url.data = cohort.meeting_url
    form.capacity.data = cohort.capacity
    form.instructor_name.data = cohort.instructor_name
    form.deadline.data = cohorts.jst(cohort.registration_deadline).date() if cohort.registration_deadline else None
    form.is_public.data = cohort.is_public


def join_url(cohort: Cohort) -> str:
    """The public address, as on certificates: a poster must work wherever the coordinator printed it."""
    return external_url("public.join_landing", code=cohorts.format_join_code(cohort.join_code))


# --- list, create, edit -------------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts")
def cohort_list(org_id: int):
    org = load_organisation(org_id)
    return render_template("coordinate/cohorts.html", org=org,
                           figures=cohort_reports.cohort_figures(db.session, [org.id]))


@bp.route("/organisations/<int:org_id>/cohorts/new", methods=["GET", "POST"])
def cohort_new(org_id: int):
    org = load_organisation(org_id)
    form = CohortForm()
    form.course_id.choices = _course_choices()
    if form.validate_on_submit():
        cohort = cohorts.create_cohort(db.session, org, _fields(form), actor=current_user)
        db.session.commit()
        flash(_("開催回「%(title)s」を作りました。参加コードは %(code)s です。", title=cohort.title,
                code=cohorts.format_join_code(cohort.join_code)), "success")
        return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    return render_template("coordinate/cohort_form.html", org=org, form=form, cohort=None)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
def cohort_edit(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    form = CohortForm()
    form.course_id.choices = _course_choices()
    if cohort.course_id not in {c for c, _label in form.course_id.choices}:
        form.course_id.choices.append((cohort.course_id, cohort.course.slug))
    if request.method == "GET":
        _fill(form, cohort)
    if form.validate_on_submit():
        try:
            cohorts.update_cohort(db.session, cohort, _fields(form), actor=current_user)
        except cohorts.CohortError as error:
            db.session.rollback()
            target = form.capacity if error.code == "capacity_below_participants" else form.course_id
            target.errors = [*target.errors, str(cohort_text.COHORT_ERRORS[error.code]) % {"n": error.detail or 0}]
        else:
            db.session.commit()
            flash(_("開催回を保存しました。"), "success")
            return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    return render_template("coordinate/cohort_form.html", org=org, form=form, cohort=cohort)


# --- the dashboard ------------------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>")
def cohort_detail(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    sort = request.args.get("sort", "name")
    sort = sort if sort in cohort_reports.SORTS else "name"
    descending = request.args.get("order") == "desc"
    page = max(request.args.get("page", 1, type=int), 1)
    figures = cohort_reports.funnel(db.session, cohort)
    rows, total = cohort_reports.participants_page(db.session, cohort, sort=sort, descending=descending, page=page)
    pages = max((total + cohort_reports.PAGE_SIZE - 1) // cohort_reports.PAGE_SIZE, 1)
    return render_template(
        "coordinate/cohort.html", org=org, cohort=cohort, figures=figures, rows=rows, total=total, page=page,
        pages=pages, sort=sort, descending=descending, join_url=join_url(cohort), form=ConfirmForm(),
        is_closed=cohorts.is_closed(cohort), has_sessions=cohort.mode in cohorts.SESSION_MODES,
        invitations=cohorts.invitations_of(db.session, cohort), now=dt.datetime.now(dt.UTC),
        invited={status.value: n for status, n in cohorts.invitation_counts(db.session, cohort).items()})


# --- invitations ---------------------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/invitations/<int:invitation_id>/resend",
          methods=["POST"])
def cohort_invitation_resend(org_id: int, cohort_id: int, invitation_id: int):
    org, cohort, invitation = load_invitation(org_id, cohort_id, invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    days = current_app.config["INVITE_TOKEN_DAYS"]
    try:
        token = cohorts.resend_invitation(db.session, invitation, actor=current_user, lifetime=timedelta(days=days))
    except cohorts.CohortError as error:
        db.session.rollback()
        flash(cohort_text.COHORT_ERRORS[error.code], "error")
    else:
        db.session.commit()
        cohort_mail.send_invitation(current_app.config, invitation, cohort, token, days)
        flash(_("%(email)s に招待のメールを送り直しました。前のリンクは使えなくなりました。", email=invitation.email), "success")
    return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id, _anchor="invitations"))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/invitations/<int:invitation_id>/remove",
          methods=["POST"])
def cohort_invitation_remove(org_id: int, cohort_id: int, invitation_id: int):
    org, cohort, invitation = load_invitation(org_id, cohort_id, invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = invitation.email
    try:
        cohorts.remove_invitation(db.session, invitation, actor=current_user)
    except cohorts.CohortError as error:
        db.session.rollback()
        flash(cohort_text.COHORT_ERRORS[error.code], "error")
    else:
        db.session.commit()
        flash(_("%(email)s への招待を取り消しました。メールのリンクは使えなくなりました。", email=email), "success")
    return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id, _anchor="invitations"))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/participants.csv", defaults={"fmt": "csv"})
@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/participants.xlsx", defaults={"fmt": "xlsx"})
def cohort_participants_export(org_id: int, cohort_id: int, fmt: str):
    org, cohort = load_cohort(org_id, cohort_id)
    rows = cohort_reports.participants_all(db.session, cohort)
    header = [_("氏名"), _("メールアドレス"), _("市区町村"), _("参加登録日時"), _("学習したレッスン"), _("必要なレッスン"),
              _("確認テストの最高点"), _("テスト合格日時"), _("修了日時"), _("修了のしかた"), _("出席の記録日時"), _("証書番号")]
    via = {"online": _("オンライン"), "attendance": _("出席")}
    table = [[r.name, r.email, r.municipality, r.joined_at, r.lessons_done, r.lessons_required, r.best_score,
              r.quiz_passed_at, r.completed_at, via.get(r.completed_via.value, "") if r.completed_via else "",
              r.attended_at, r.certificate_serial] for r in rows]
    record_export("participants", cohort, fmt, len(table), org.id)
    name = f"cohort-{cohort.id}-participants.{fmt}"
    if fmt == "csv":
        return download(exports.csv_bytes(header, table), "text/csv; charset=utf-8", name)
    sheet = exports.Sheet(_("参加者"), header, table, caption=[
        _("%(title)s 参加者一覧", title=cohort.title), f"{org.name}  {cohort_text.when_text(cohort)}"])
    return download(exports.xlsx_bytes([sheet]), XLSX, name)


def _funnel_rows(figures: cohort_reports.Funnel) -> list[list]:
    return [[str(cohort_text.FUNNEL_LABELS[code]), count] for code, count in figures.rows()]


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/dashboard.csv", defaults={"fmt": "csv"})
@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/dashboard.xlsx", defaults={"fmt": "xlsx"})
def cohort_dashboard_export(org_id: int, cohort_id: int, fmt: str):
    org, cohort = load_cohort(org_id, cohort_id)
    table = _funnel_rows(cohort_reports.funnel(db.session, cohort))
    record_export("cohort_dashboard", cohort, fmt, len(table), org.id)
    name = f"cohort-{cohort.id}-dashboard.{fmt}"
    if fmt == "csv":
        return download(exports.csv_bytes([_("項目"), _("人数")], table), "text/csv; charset=utf-8", name)
    sheet = exports.Sheet(_("進み具合"), [_("項目"), _("人数")], table, caption=[
        _("%(title)s 進み具合", title=cohort.title), f"{org.name}  {cohort_text.when_text(cohort)}"])
    return download(exports.xlsx_bytes([sheet]), XLSX, name)


# --- poster --------------------------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/poster.pdf")
def cohort_poster(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    url = join_url(cohort)
    html = render_template("pdf/poster.html", org=org, cohort=cohort, url=url, qr=documents.qr_data_uri(url),
                           course_title=cohort.course.live_version.title if cohort.course.live_version else "",
                           place=cohort_text.place_text(cohort))
    try:
        data = documents.html_to_pdf(html)
    except FontMissingError as error:
        return font_missing_page(error)
    return pdf_response(data, f"cohort-{cohort.id}-poster.pdf")


# --- participants: CSV import -------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
def cohort_import(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = participant_import.read_rows(upload.read(participant_import.MAX_BYTES + 1))
        except participant_import.ImportFileError as error:
            detail = error.detail
            if error.code == "missing_columns":
                detail = "、".join(str(cohort_text.COLUMN_LABELS[c]) for c in error.detail)
            form.file.errors = [str(cohort_text.IMPORT_FILE_ERRORS[error.code]) % {"detail": detail}]
        else:
            imp = participant_import.store(db.session, cohort, rows, filename=upload.filename or "",
                                           actor=current_user)
            db.session.commit()
            return redirect(url_for("coordinate.cohort_import_preview", org_id=org.id, cohort_id=cohort.id,
                                    import_id=imp.id))
    return render_template("coordinate/cohort_import.html", org=org, cohort=cohort, form=form,
                           seats_left=cohorts.seats_left(db.session, cohort))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/import/<int:import_id>", methods=["GET", "POST"])
def cohort_import_preview(org_id: int, cohort_id: int, import_id: int):
    org, cohort, imp = load_import(org_id, cohort_id, import_id)
    if imp.confirmed_at is not None:
        flash(cohort_text.IMPORT_FILE_ERRORS["already_confirmed"], "info")
        return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    form = ConfirmImportForm()
    if form.validate_on_submit():
        lifetime = timedelta(days=current_app.config["INVITE_TOKEN_DAYS"])
        try:
            result = participant_import.confirm(db.session, imp, cohort, only_valid=form.only_valid.data,
                                                actor=current_user, token_lifetime=lifetime)
        except participant_import.ImportFileError as error:
            db.session.rollback()
            flash(str(cohort_text.IMPORT_FILE_ERRORS[error.code]) % {"detail": error.detail}, "error")
            return redirect(request.path)
        except IntegrityError:
            db.session.rollback()  # the same address was invited to this cohort meanwhile (another tab)
            flash(_("確認している間に、同じメールアドレスへの招待が作られました。もう一度確認してください。"), "error")
            return redirect(request.path)
        db.session.commit()
        # The e-mails go out in the background (app.jobs), so a long list does not hold the page.
        dispatch_invitations(current_app._get_current_object(), [invitation.id for invitation, _token in result.invited])
        flash(_("%(n)d人に招待のメールを送りました。ご本人が参加を選ぶと、参加者の一覧に入ります。", n=len(result.invited)),
              "success")
        if result.skipped:
            flash(_("エラーのあった %(n)d 行は取り込んでいません。", n=result.skipped), "info")
        return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    preview = participant_import.check(db.session, cohort, imp.rows)
    return render_template("coordinate/cohort_import_preview.html", org=org, cohort=cohort, imp=imp,
                           preview=preview, form=form, describe=cohort_text.row_problem)


# --- attendance ---------------------------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/attendance", methods=["GET", "POST"])
def cohort_attendance(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    form = ConfirmForm()
    here = url_for("coordinate.cohort_attendance", org_id=org.id, cohort_id=cohort.id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        attended = {e.id for e, _u, a in cohorts.participants(db.session, cohort) if a is not None}
        if request.form.get("everyone"):
            ids = list(db.session.scalars(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
        else:
            ids = request.form.getlist("enrolment_id", type=int)
        # Un-ticking someone already recorded asks first (the confirm page says what it undoes).
        unticked = sorted(attended - set(ids))
        undo_url = url_for("coordinate.cohort_attendance_undo", org_id=org.id, cohort_id=cohort.id,
                           enrolment_id=unticked)
        if unticked and not set(ids) - attended:
            return redirect(undo_url)
        try:
            result = cohorts.record_attendance(db.session, cohort, ids, actor=current_user)
        except cohorts.CohortError as error:
            db.session.rollback()
            if error.code == "not_started":
                flash(_("この開催回は %(when)s からです。出席は開始の時刻から記録できます。",
                        when=cohort_text.when_text(cohort)), "error")
            else:
                flash(cohort_text.COHORT_ERRORS[error.code], "error")
            return redirect(here)
        job = None
        if result.certificate_ids:
            # The PDFs are rendered in the background; the certificates themselves exist already.
            job = bulk.start(db.session, org, result.certificate_ids, requested_by=current_user,
                             label=_("%(title)s の証書", title=cohort.title))
        db.session.commit()
        flash(_("%(n)d人の出席を記録しました。", n=len(set(ids))), "success")
        if result.completed:
            flash(_("%(n)d人が修了になり、証書を発行しました。", n=result.completed), "success")
        if result.not_allowed:
            flash(_("この講座は、出席だけでは修了になりません。参加者には、オンラインの学習と確認テストを続けてもらってください。"),
                  "info")
        if unticked:
            return redirect(undo_url)
        if job is not None:
            dispatch_bulk(current_app._get_current_object(), job.id)
            return redirect(url_for("coordinate.bulk_job", org_id=org.id, job_id=job.id))
        return redirect(here)
    return render_template("coordinate/cohort_attendance.html", org=org, cohort=cohort, form=form,
                           participants=cohorts.participants(db.session, cohort),
                           has_sessions=cohort.mode in cohorts.SESSION_MODES,
                           is_open=cohorts.attendance_open(cohort))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/attendance/undo", methods=["GET", "POST"])
def cohort_attendance_undo(org_id: int, cohort_id: int):
    """Confirm, then remove recorded attendance; the page says what happens to each completion."""
    org, cohort = load_cohort(org_id, cohort_id)
    form = ConfirmForm()
    here = url_for("coordinate.cohort_attendance", org_id=org.id, cohort_id=cohort.id)
    source = request.form if request.method == "POST" else request.args
    ids = source.getlist("enrolment_id", type=int)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        result = cohorts.undo_attendance(db.session, cohort, ids, actor=current_user)
        db.session.commit()
        flash(_("%(n)d人の出席の記録を取り消しました。", n=result.removed), "success")
        if result.withdrawn:
            flash(_("%(n)d人の修了を取り消し、証書%(c)d件を取り消しました。", n=result.withdrawn, c=result.revoked),
                  "info")
        return redirect(here)
    effects = cohorts.undo_effects(db.session, cohort, ids)
    if not effects:
        flash(_("取り消す出席の記録がありません。"), "info")
        return redirect(here)
    return render_template("coordinate/cohort_attendance_undo.html", org=org, cohort=cohort, form=form,
                           effects=effects, reason=cohorts.UNDO_REASON)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/certificates", methods=["POST"])
def cohort_certificates(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = db.session.scalars(sa.select(Certificate.id).join(Enrolment, Enrolment.id == Certificate.enrolment_id).where(
        Enrolment.cohort_id == cohort.id, Certificate.organisation_id == org.id,
        Certificate.current_for_enrolment_id.is_not(None), Certificate.revoked_at.is_(None))).all()
    if not ids:
        flash(_("この開催回には、まだ証書がありません。出席を記録するか、参加者の修了を待ってください。"), "info")
        return redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    job = bulk.start(db.session, org, ids, requested_by=current_user, label=_("%(title)s の証書", title=cohort.title))
    db.session.commit()
    dispatch_bulk(current_app._get_current_object(), job.id)
    return redirect(url_for("coordinate.bulk_job", org_id=org.id, job_id=job.id))


# --- 実施報告 --------------------------------------------------------------------------------------------

def _report_context(org, cohort) -> dict:
    report = cohort_reports.implementation_report(db.session, cohort)
    return {"org": org, "cohort": cohort, "report": report, "ages": cohort_reports.AGE_BANDS,
            "sexes": cohort_reports.SEXES, "min_responses": cohort_reports.MIN_SURVEY_RESPONSES,
            "place": cohort_text.place_text(cohort), "today": cohorts.jst(dt.datetime.now(dt.UTC)).date()}


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/report")
def cohort_report(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    return render_template("coordinate/cohort_report.html", **_report_context(org, cohort))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/report.pdf")
def cohort_report_pdf(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    context = _report_context(org, cohort)
    try:
        data = documents.html_to_pdf(render_template("pdf/report.html", **context))
    except FontMissingError as error:
        return font_missing_page(error)
    record_export("report", cohort, "pdf", context["report"].participants, org.id)
    return pdf_response(data, f"cohort-{cohort.id}-report.pdf")


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/report.xlsx")
def cohort_report_xlsx(org_id: int, cohort_id: int):
    from app.coordinate.report_sheets import report_sheets

    org, cohort = load_cohort(org_id, cohort_id)
    context = _report_context(org, cohort)
    data = exports.xlsx_bytes(report_sheets(context["report"], place=context["place"]))
    record_export("report", cohort, "xlsx", context["report"].participants, org.id)
    return download(data, XLSX, f"cohort-{cohort.id}-report.xlsx")
