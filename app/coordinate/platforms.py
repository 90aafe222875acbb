"""Local platforms (官民連携プラットフォーム), for coordinators.

The running organisation's coordinators create a platform, invite organisations, see the members'
cohorts (read only) and the platform dashboard with its 活動報告. An invited organisation's
coordinators accept, decline or later leave. Every object is reached through load_organisation, so
a platform, member row or cohort outside the viewer's organisations answers 404 like a missing one;
an invitation shows nothing until accepted, and a former member's cohorts are out of reach again."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.coordinate import area_suppression, bp
from app.coordinate.exporting import record_export
from app.coordinate.loaders import load_organisation
from app.coordinate.platform_forms import PlatformForm, PlatformInviteForm
from app.extensions import db
from app.forms import ConfirmForm
from app.models import Audience, Cohort, MemberState
from app.models.base import utcnow
from app.services.certificates import documents
from app.services.certificates.fonts import FontMissingError
from app.services.cohorts import cohort_reports, cohorts
from app.services.infra import exports
from app.services.platform import dashboard, members
from app.services.statistics.statistics import current_fiscal_year, fiscal_year_label, fiscal_years
from app.services.statistics.suppression import MARK
from app.web.cohort_text import MODE_LABELS
from app.web.downloads import XLSX, download

PLATFORM_ERRORS = {
    "not_an_area_office": _l("プラットフォームを作れるのは、市区町村または都道府県の団体だけです。"),
    "name_required": _l("名前を入力してください。"),
    "unknown_organisation": _l("その団体は見つかりません。もう一度さがしてください。"),
    "runs_platform": _l("運営している団体は、招待しなくても参加しています。"),
    "already_member": _l("その団体はすでに参加しています。"),
    "already_invited": _l("その団体はすでに招待中です。"),
    "not_invited": _l("この招待はもう答えが出ています。"),
    "not_member": _l("このプラットフォームには参加していません。"),
}
STATE_LABELS = {MemberState.INVITED: _l("招待中（まだ受け入れていません）"), MemberState.ACTIVE: _l("参加中"),
                MemberState.LEFT: _l("参加していません（脱退・辞退・取り消し）")}
AUDIENCE_LABELS = {Audience.ADULT: _l("一般向け"), Audience.CHILDREN: _l("子ども向け")}


# --- loaders ------------------------------------------------------------------------------------------

def load_platform(org_id: int, platform_id: int):
    """The organisation and a platform it runs; 404 when either is missing or outside the viewer's scope."""
    org = load_organisation(org_id)
    platform = members.platform_of(db.session, org, platform_id)
    if platform is None:
        abort(404)
    return org, platform


def load_member(org_id: int, platform_id: int, member_id: int):
    org, platform = load_platform(org_id, platform_id)
    member = members.member_in(db.session, platform, member_id)
    if member is None:
        abort(404)
    return org, platform, member


def load_membership(org_id: int, membership_id: int):
    """The viewer's organisation's own place in some platform (invitation, membership, former)."""
    org = load_organisation(org_id)
    membership = members.membership_of(db.session, org, membership_id)
    if membership is None:
        abort(404)
    return org, membership


def load_platform_cohort(org_id: int, platform_id: int, cohort_id: int):
    """A cohort of the platform's running organisation or of an active member, read only."""
    org, platform = load_platform(org_id, platform_id)
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.organisation_id not in members.visible_org_ids(db.session, platform):
        abort(404)
    return org, platform, cohort


def _year() -> int:
    years = fiscal_years()
    year = request.args.get("year", type=int)
    return year if year in years else current_fiscal_year()


def _done(org_id: int, platform_id: int | None = None, message: str | None = None, category: str = "success"):
    db.session.commit()
    if message:
        flash(message, category)
    if platform_id is None:
        return redirect(url_for("coordinate.platforms", org_id=org_id))
    return redirect(url_for("coordinate.platform", org_id=org_id, platform_id=platform_id))


def _refused(error: members.PlatformError, org_id: int, platform_id: int | None = None):
    db.session.rollback()
    flash(PLATFORM_ERRORS[error.code], "error")
    if platform_id is None:
        return redirect(url_for("coordinate.platforms", org_id=org_id))
    return redirect(url_for("coordinate.platform", org_id=org_id, platform_id=platform_id))


# --- the organisation's platforms ----------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/platforms")
def platforms(org_id: int):
    org = load_organisation(org_id)
    return render_template("coordinate/platforms.html", org=org, form=PlatformForm(), confirm=ConfirmForm(),
                           may_run=org.kind in members.RUNNING_KINDS,
                           running=members.platforms_run_by(db.session, org.id),
                           memberships=members.memberships_of(db.session, org.id), state_labels=STATE_LABELS)


@bp.route("/organisations/<int:org_id>/platforms/new", methods=["POST"])
def platform_new(org_id: int):
    org = load_organisation(org_id)
    form = PlatformForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for("coordinate.platforms", org_id=org.id))
    try:
        platform = members.create_platform(db.session, org, form.name.data, actor=current_user)
    except members.PlatformError as error:
        return _refused(error, org.id)
    return _done(org.id, platform.id, _("プラットフォーム「%(name)s」を作りました。参加してほしい団体を招待してください。",
                                        name=platform.name))


def _membership_action(org_id: int, membership_id: int, change, message: str):
    org, membership = load_membership(org_id, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(db.session, membership, actor=current_user)
    except members.PlatformError as error:
        return _refused(error, org.id)
    return _done(org.id, None, message % {"name": membership.platform.name})


@bp.route("/organisations/<int:org_id>/platform-memberships/<int:membership_id>/accept", methods=["POST"])
def platform_accept(org_id: int, membership_id: int):
    return _membership_action(org_id, membership_id, members.accept, _(
        "「%(name)s」に参加しました。プラットフォームの担当者は、この団体の開催回と人数を見られるようになりました。"))


@bp.route("/organisations/<int:org_id>/platform-memberships/<int:membership_id>/decline", methods=["POST"])
def platform_decline(org_id: int, membership_id: int):
    return _membership_action(org_id, membership_id, members.decline, _("「%(name)s」への招待を辞退しました。"))


@bp.route("/organisations/<int:org_id>/platform-memberships/<int:membership_id>/leave", methods=["POST"])
def platform_leave(org_id: int, membership_id: int):
    return _membership_action(org_id, membership_id, members.leave, _(
        "「%(name)s」から脱退しました。プラットフォームの担当者は、この団体の開催回を見られなくなりました。"))


# --- a platform the organisation runs -------------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>")
def platform(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    query = request.args.get("q", "").strip()[:50]
    return render_template("coordinate/platform.html", org=org, platform=platform, query=query,
                           candidates=members.invitable(db.session, platform, query) if query else [],
                           rows=members.members_of(db.session, platform), state_labels=STATE_LABELS,
                           invite_form=PlatformInviteForm(), confirm=ConfirmForm())


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/invite", methods=["POST"])
def platform_invite(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    form = PlatformInviteForm()
    # ASCII and under ten digits: "²" passes isdigit() but not int(), and 2**63 overflowed the database (500s).
    chosen = str(form.organisation_id.data)
    if not form.validate_on_submit() or not (chosen.isascii() and chosen.isdigit() and len(chosen) < 10):
        return _refused(members.PlatformError("unknown_organisation"), org.id, platform.id)
    try:
        member = members.invite(db.session, platform, int(form.organisation_id.data), actor=current_user)
    except members.PlatformError as error:
        return _refused(error, org.id, platform.id)
    return _done(org.id, platform.id, _("%(name)s を招待しました。先方の担当者が受け入れるまで、何も共有されません。",
                                        name=member.organisation.name))


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/members/<int:member_id>/withdraw",
          methods=["POST"])
def platform_withdraw(org_id: int, platform_id: int, member_id: int):
    org, platform, member = load_member(org_id, platform_id, member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        members.withdraw(db.session, member, actor=current_user)
    except members.PlatformError as error:
        return _refused(error, org.id, platform.id)
    return _done(org.id, platform.id, _("%(name)s への招待を取り消しました。", name=member.organisation.name))


# --- members' cohorts, read only ------------------------------------------------------------------------

def _shown_cohorts(platform) -> list[area_suppression.ShownCohort]:
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    figures = cohort_reports.cohort_figures(db.session, sorted(members.visible_org_ids(db.session, platform)))
    shown = []
    for f in figures:
        enrolled, completed = area_suppression._line(f.completed, f.enrolled, threshold)
        shown.append(area_suppression.ShownCohort(f.cohort, f.organisation_name, enrolled, completed))
    return shown


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/cohorts")
def platform_cohorts(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    shown = _shown_cohorts(platform)
    return render_template("coordinate/platform_cohorts.html", org=org, platform=platform, cohorts=shown, mark=MARK,
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"],
                           is_suppressed=any(c.enrolled is None or c.completed is None for c in shown))


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/cohorts/<int:cohort_id>")
def platform_cohort(org_id: int, platform_id: int, cohort_id: int):
    org, platform, cohort = load_platform_cohort(org_id, platform_id, cohort_id)
    figures = cohort_reports.funnel(db.session, cohort)
    enrolled, completed = area_suppression._line(figures.completed, figures.enrolled,
                                                 current_app.config["SUPPRESSION_THRESHOLD"])
    return render_template("coordinate/platform_cohort.html", org=org, platform=platform, cohort=cohort,
                           enrolled=enrolled, completed=completed, mark=MARK,
                           seats_left=cohorts.seats_left(db.session, cohort),
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"])


# --- the dashboard and the 活動報告 ----------------------------------------------------------------------

def _board(platform, year: int) -> dashboard.Dashboard:
    return dashboard.dashboard(db.session, platform, year, current_app.config["SUPPRESSION_THRESHOLD"])


def _note() -> str:
    return _("「%(mark)s」は秘匿した欄です（1〜%(n)d人の欄と、合計などから計算できてしまう欄）。",
             mark=MARK, n=current_app.config["SUPPRESSION_THRESHOLD"] - 1)


def _f(value: int | None) -> int | str:
    return area_suppression.figure(value)


def _member_table(board: dashboard.Dashboard) -> tuple[list[str], list[list]]:
    header = [_("団体"), _("開催回（予定を含む）"), _("うち開催済み"), *[str(MODE_LABELS[m]) for m in dashboard.MODES], _("参加者"), _("うち一般向け"),
              _("うち子ども向け"), _("修了（サポーター）"), _("うち一般向け"), _("うち子ども向け")]
    rows = []
    for line in [*board.lines, board.total]:
        name = line.name + (_("（運営）") if line.is_runner else "") if line.organisation_id else _("合計")
        rows.append([name, line.sessions, line.held, *[line.by_mode[m] for m in dashboard.MODES], _f(line.participants),
                     _f(line.adults), _f(line.children), _f(line.supporters), _f(line.adult_supporters),
                     _f(line.child_supporters)])
    return header, rows


def _cohort_table(board: dashboard.Dashboard) -> tuple[list[str], list[list]]:
    header = [_("開催日時"), _("開催回"), _("主催"), _("開催のしかた"), _("対象"), _("参加者"), _("修了")]
    rows = [[c.starts_at, c.title, c.organiser, str(MODE_LABELS[c.mode]), str(AUDIENCE_LABELS[c.audience]),
             _f(c.participants), _f(c.supporters)] for c in board.cohorts]
    return header, rows


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/dashboard")
def platform_dashboard(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    year = _year()
    return render_template("coordinate/platform_dashboard.html", org=org, platform=platform, board=_board(platform, year),
                           year=year, years=fiscal_years(), year_label=fiscal_year_label, modes=dashboard.MODES,
                           mark=MARK, audience_labels=AUDIENCE_LABELS,
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"])


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/dashboard.csv", defaults={"fmt": "csv"})
@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/dashboard.xlsx", defaults={"fmt": "xlsx"})
def platform_dashboard_export(org_id: int, platform_id: int, fmt: str):
    org, platform = load_platform(org_id, platform_id)
    year = _year()
    board = _board(platform, year)
    header, rows = _member_table(board)
    note = [_note()] if board.is_suppressed else []
    record_export("platform_dashboard", None, fmt, len(rows), org.id)
    name = f"platform-{platform.id}-{year}.{fmt}"
    if fmt == "csv":
        return download(exports.csv_bytes(header, [*rows, *([[], note] if note else [])]),
                         "text/csv; charset=utf-8", name)
    title = _("%(platform)s %(year)s の実績", platform=platform.name, year=fiscal_year_label(year))
    return download(exports.xlsx_bytes([exports.Sheet(_("団体別"), header, rows, caption=[title, *note])]), XLSX, name)


def _report_context(org, platform, year: int) -> dict:
    board = _board(platform, year)
    return {"org": org, "platform": platform, "board": board, "year": year, "year_text": fiscal_year_label(year),
            "modes": dashboard.MODES, "mark": MARK, "audience_labels": AUDIENCE_LABELS,
            "threshold": current_app.config["SUPPRESSION_THRESHOLD"],
            "today": cohorts.jst(utcnow()).date()}


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/report.pdf")
def platform_report_pdf(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    context = _report_context(org, platform, _year())
    try:
        data = documents.html_to_pdf(render_template("pdf/platform_report.html", **context))
    except FontMissingError as error:
        return render_template("errors/font_missing.html", error=error), 503
    record_export("platform_report", None, "pdf", len(context["board"].lines), org.id)
    return download(data, "application/pdf", f"platform-{platform.id}-{context['year']}-report.pdf")


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/report.xlsx")
def platform_report_xlsx(org_id: int, platform_id: int):
    org, platform = load_platform(org_id, platform_id)
    year = _year()
    board = _board(platform, year)
    title = _("%(year)s %(platform)s 活動報告", year=fiscal_year_label(year), platform=platform.name)
    note = [_note()] if board.is_suppressed else []
    caption = [title, _("運営: %(name)s", name=org.name), *note]
    header, rows = _member_table(board)
    cohort_header, cohort_rows = _cohort_table(board)
    data = exports.xlsx_bytes([exports.Sheet(_("団体別"), header, rows, caption=caption),
                               exports.Sheet(_("開催回"), cohort_header, cohort_rows, caption=caption)])
    record_export("platform_report", None, "xlsx", len(rows), org.id)
    return download(data, XLSX, f"platform-{platform.id}-{year}-report.xlsx")

