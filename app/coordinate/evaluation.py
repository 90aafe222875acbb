"""Effect reports (評価・検証) for a coordinator: a cohort, the organisation, its area, a platform it runs.

Scope comes from the loaders (404 outside the viewer's organisation); the area is the
organisation's own (municipality, or prefecture for a prefectural organisation). Figures are
pairs' aggregates only, suppressed below the threshold; files are audited like the others."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from app.coordinate import bp
from app.coordinate.exporting import record_export
from app.coordinate.loaders import load_cohort
from app.coordinate.views import load_organisation
from app.extensions import db
from app.services.evaluation import reports
from app.services.platform import members
from app.web import evaluation_reports as shown
from app.web.downloads import download

SCOPES = ("organisation", "area")


def _org_scope(org, name: str) -> reports.Scope:
    if name == "area":
        if org.municipality_code:
            return reports.Scope(municipality_code=org.municipality_code)
        return reports.Scope(prefecture_code=org.prefecture_code)
    return reports.Scope(organisation_id=org.id)


def _render(title: str, report: reports.Report, filters, compare: bool, endpoint: str, scope_args: dict,
            **values):
    def here(compare: bool) -> str:
        return url_for(endpoint, **values, **shown.query_args(filters, compare, **scope_args))
    args = shown.query_args(filters, compare, **scope_args)
    return render_template(
        "coordinate/evaluation.html", title=title, here=here, scope_args=scope_args, scale_bar=shown.scale_bar,
        csv_url=url_for(endpoint + "_file", fmt="csv", **values, **args),
        xlsx_url=url_for(endpoint + "_file", fmt="xlsx", **values, **args),
        **values, **shown.page_context(report, filters, compare))


def _scope_name() -> str:
    name = request.args.get("scope", "organisation")
    if name not in SCOPES:
        abort(404)
    return name


@bp.route("/organisations/<int:org_id>/evaluation")
def evaluation_report(org_id: int):
    org = load_organisation(org_id)
    scope = _scope_name()
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, _org_scope(org, scope), filters, compare=compare,
                            threshold=shown.threshold())
    area = org.municipality.full_name if org.municipality_code else org.prefecture.name
    title = _("%(name)sの講座の効果", name=org.name) if scope == "organisation" else _("%(area)s全体の講座の効果", area=area)
    return _render(title, report, filters, compare, "coordinate.evaluation_report", {"scope": scope}, org_id=org.id)


@bp.route("/organisations/<int:org_id>/evaluation.<any(csv, xlsx):fmt>")
def evaluation_report_file(org_id: int, fmt: str):
    org = load_organisation(org_id)
    scope = _scope_name()
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, _org_scope(org, scope), filters, compare=compare,
                            threshold=shown.threshold())
    data, mimetype = shown.file_bytes(report, fmt, _("%(name)sの講座の効果", name=org.name))
    record_export(f"evaluation_{scope}", None, fmt, len(report.groups) * len(report.items), org.id)
    return download(data, mimetype, f"evaluation-{scope}-{org.id}.{fmt}")


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/evaluation")
def cohort_evaluation(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, reports.Scope(cohort_id=cohort.id), filters, compare=compare,
                            threshold=shown.threshold())
    return _render(_("%(title)s の講座の効果", title=cohort.title), report, filters, compare,
                   "coordinate.cohort_evaluation", {}, org_id=org.id, cohort_id=cohort.id)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/evaluation.<any(csv, xlsx):fmt>")
def cohort_evaluation_file(org_id: int, cohort_id: int, fmt: str):
    org, cohort = load_cohort(org_id, cohort_id)
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, reports.Scope(cohort_id=cohort.id), filters, compare=compare,
                            threshold=shown.threshold())
    data, mimetype = shown.file_bytes(report, fmt, _("%(title)s の講座の効果", title=cohort.title))
    record_export("evaluation_cohort", cohort, fmt, len(report.groups) * len(report.items), org.id)
    return download(data, mimetype, f"evaluation-cohort-{cohort.id}.{fmt}")


def _platform_scope(org_id: int, platform_id: int):
    org = load_organisation(org_id)
    platform = members.platform_of(db.session, org, platform_id)
    if platform is None:
        abort(404)
    return org, platform, reports.Scope(organisation_ids=tuple(sorted(members.visible_org_ids(db.session, platform))))


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/evaluation")
def platform_evaluation(org_id: int, platform_id: int):
    org, platform, scope = _platform_scope(org_id, platform_id)
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, scope, filters, compare=compare, threshold=shown.threshold())
    return _render(_("%(name)sの講座の効果", name=platform.name), report, filters, compare,
                   "coordinate.platform_evaluation", {}, org_id=org.id, platform_id=platform.id)


@bp.route("/organisations/<int:org_id>/platforms/<int:platform_id>/evaluation.<any(csv, xlsx):fmt>")
def platform_evaluation_file(org_id: int, platform_id: int, fmt: str):
    org, platform, scope = _platform_scope(org_id, platform_id)
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, scope, filters, compare=compare, threshold=shown.threshold())
    data, mimetype = shown.file_bytes(report, fmt, _("%(name)sの講座の効果", name=platform.name))
    record_export("evaluation_platform", None, fmt, len(report.groups) * len(report.items), org.id)
    return download(data, mimetype, f"evaluation-platform-{platform.id}.{fmt}")
