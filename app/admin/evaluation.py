"""The national effect report (評価・検証): the nation, a prefecture or a municipality, by fiscal
year, audience and mode, with the same suppression as every other figure that leaves the system."""
from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.extensions import db
from app.services.evaluation import reports
from app.services.infra import audit
from app.web import evaluation_reports as shown


def _scope() -> tuple[reports.Scope, dict[str, str]]:
    municipality = request.args.get("municipality", "")
    prefecture = request.args.get("prefecture", "")
    if re.fullmatch(r"\d{6}", municipality):
        return reports.Scope(municipality_code=municipality), {"municipality": municipality}
    if re.fullmatch(r"\d{2}", prefecture):
        return reports.Scope(prefecture_code=prefecture), {"prefecture": prefecture}
    return reports.Scope(), {}


def _title(scope_args: dict[str, str]) -> str:
    if "municipality" in scope_args:
        return _("講座の効果（市区町村 %(code)s）", code=scope_args["municipality"])
    if "prefecture" in scope_args:
        return _("講座の効果（都道府県 %(code)s）", code=scope_args["prefecture"])
    return _("講座の効果（全国）")


@bp.route("/evaluation")
def evaluation():
    scope, scope_args = _scope()
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, scope, filters, compare=compare, threshold=shown.threshold())
    args = shown.query_args(filters, compare, **scope_args)

    def here(compare: bool) -> str:
        return url_for("admin.evaluation", **shown.query_args(filters, compare, **scope_args))
    return render_template("admin/evaluation.html", title=_title(scope_args), here=here, scope_args=scope_args,
                           scale_bar=shown.scale_bar, csv_url=url_for("admin.evaluation_file", fmt="csv", **args),
                           xlsx_url=url_for("admin.evaluation_file", fmt="xlsx", **args),
                           **shown.page_context(report, filters, compare))


@bp.route("/evaluation.<any(csv, xlsx):fmt>")
def evaluation_file(fmt: str):
    scope, scope_args = _scope()
    filters, compare = shown.filters_from(request.args)
    report = reports.report(db.session, scope, filters, compare=compare, threshold=shown.threshold())
    data, mimetype = shown.file_bytes(report, fmt, _title(scope_args))
    audit.record(db.session, "export.evaluation_national", actor_id=current_user.id, ip=request.remote_addr,
                 format=fmt, rows=len(report.groups) * len(report.items), **scope_args)
    db.session.commit()
    response = shown.download(data, mimetype, f"evaluation.{fmt}")
    return response
