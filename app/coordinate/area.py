"""Area dashboards: a municipality's residents and cohorts, a prefecture's municipalities.

The area is the organisation's own (loaded through load_organisation), so a 奈良県 coordinator
reaches 奈良県 figures only; no parameter chooses another area. Counts of residents and of other
municipalities are suppressed (area_suppression) the same way on the page and in its files; the
viewer's own organisations' cohorts are shown exactly, as in their 実施報告."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.coordinate import area_suppression, bp
from app.coordinate.exporting import record_export
from app.coordinate.loaders import load_organisation
from app.extensions import db
from app.models import Audience
from app.models.base import utcnow
from app.services.certificates import documents
from app.services.certificates.fonts import FontMissingError
from app.services.cohorts import cohort_reports, cohorts
from app.services.infra import cache, exports
from app.services.organisations import organisations
from app.services.statistics import tilemap
from app.services.statistics.suppression import MARK
from app.web.cohort_text import MODE_LABELS, when_text
from app.web.dates import fiscal_year_text as fiscal_year_label
from app.web.downloads import XLSX, download
from app.web.pdf import font_missing_page, pdf_response
from app.web.published import published_counts

AUDIENCE_LABELS = {Audience.ADULT: _l("一般向け"), Audience.CHILDREN: _l("子ども向け")}


def _figures(org):
    if org.municipality_code:
        # Cohorts of the viewer's own organisations in this municipality (admins: all of them).
        ids = [o.id for o in organisations.organisations_for(db.session, current_user)
               if o.municipality_code == org.municipality_code]
        return cohort_reports.municipality_area(db.session, org.municipality, ids)
    # Every resident of the prefecture: kept AREA_CACHE_SECONDS per server (bench issue 9).
    return cache.remember(("prefecture_area", org.prefecture_code), current_app.config["AREA_CACHE_SECONDS"],
                          lambda: cohort_reports.prefecture_area(db.session, org.prefecture_code, org.prefecture.name))


def _shown(org):
    """The figures as they may leave the admin pages: the page and both files use these."""
    figures, threshold = _figures(org), current_app.config["SUPPRESSION_THRESHOLD"]
    if org.municipality_code:
        return area_suppression.municipality(figures, threshold)
    return area_suppression.prefecture(figures, threshold)


def _note() -> str:
    return _("「%(mark)s」は秘匿した欄です（1〜%(n)d人の欄と、合計などから計算できてしまう欄）。",
             mark=MARK, n=current_app.config["SUPPRESSION_THRESHOLD"] - 1)


@bp.route("/organisations/<int:org_id>/area")
def area(org_id: int):
    org = load_organisation(org_id)
    template = "coordinate/area_municipality.html" if org.municipality_code else "coordinate/area_prefecture.html"
    shown = _shown(org)
    return render_template(template, org=org, area=shown, audience_labels=AUDIENCE_LABELS, mark=MARK,
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"], **_pictures(org, shown))


@bp.route("/organisations/<int:org_id>/area.pdf")
def area_pdf(org_id: int):
    """The dashboard on paper, with its pictures: a prefecture's bars and the national map, or a
    municipality's figures and its place among the prefecture's municipalities."""
    org = load_organisation(org_id)
    shown = _shown(org)
    try:
        data = documents.html_to_pdf(render_template(
            "pdf/area_report.html", org=org, area=shown, mark=MARK, today=cohorts.jst(utcnow()).date(),
            audience_labels=AUDIENCE_LABELS,
            threshold=current_app.config["SUPPRESSION_THRESHOLD"], **_pictures(org, shown)))
    except FontMissingError as error:
        return font_missing_page(error)
    record_export("area_dashboard", None, "pdf", len(shown.cohorts if org.municipality_code else shown.rows), org.id)
    return pdf_response(data, f"area-{org.municipality_code or org.prefecture_code}.pdf")


def _pictures(org, shown) -> dict:
    """A prefecture's municipalities as sorted bars (the page's suppressed figures), and where the
    prefecture stands among the 47; a municipality's place among its prefecture's municipalities.
    Where they compare with other areas the figures are the open data's, which anyone may see."""
    counts = published_counts()
    if org.municipality_code:
        towns = counts.municipalities.get(org.municipality_code[:2], []) if counts.fiscal_year else []
        return {"national": counts, "fiscal_year_label": fiscal_year_label,
                "home_prefecture": counts.prefecture(org.municipality_code[:2]),
                "home_town": counts.municipality(org.municipality_code),
                "neighbours": tilemap.ranked_bars(((m.code, m.name, m.supporters) for m in towns),
                                                  highlight=org.municipality_code)
                if towns and counts.municipality(org.municipality_code) else None}
    return {"bars": tilemap.ranked_bars((r.code, r.name, r.supporters) for r in shown.rows),
            "national": counts, "fiscal_year_label": fiscal_year_label,
            "national_map": tilemap.tile_map({p.code: (p.name, p.supporters) for p in counts.prefectures},
                                             highlight=org.prefecture_code) if counts.fiscal_year else None}


@bp.route("/organisations/<int:org_id>/area.csv", defaults={"fmt": "csv"})
@bp.route("/organisations/<int:org_id>/area.xlsx", defaults={"fmt": "xlsx"})
def area_export(org_id: int, fmt: str):
    org = load_organisation(org_id)
    figures = _shown(org)
    figure = area_suppression.figure
    if org.municipality_code:
        header = [_("開催回"), _("主催"), _("開催日時"), _("開催のしかた"), _("参加者"), _("修了")]
        table = [[f.cohort.title, f.organisation_name, when_text(f.cohort), str(MODE_LABELS[f.cohort.mode]),
                  figure(f.enrolled), figure(f.completed)] for f in figures.cohorts]
        summary = [[_("%(area)sの住民で受講を始めた人", area=figures.name), figure(figures.total.enrolled)],
                   [_("%(area)sの住民で修了した人（つながりサポーター）", area=figures.name),
                    figure(figures.total.supporters)]]
        title = _("%(area)s の状況", area=figures.name)
    else:
        header = [_("市区町村コード"), _("市区町村"), _("受講を始めた住民"), _("修了した住民（サポーター）"), _("修了率"),
                  _("開催回")]
        table = [[r.code, r.name, figure(r.enrolled), figure(r.supporters), area_suppression.rate(r), r.sessions]
                 for r in figures.rows]
        table.append(["", _("県全域の団体の開催回"), "", "", "", figures.prefecture_wide_sessions])
        table.append(["", _("合計"), figure(figures.total.enrolled), figure(figures.total.supporters),
                      area_suppression.rate(figures.total), figures.total.sessions])
        summary = []
        title = _("%(area)s 市区町村別の状況", area=figures.name)
    record_export("area_dashboard", None, fmt, len(table), org.id)
    name = f"area-{org.municipality_code or org.prefecture_code}.{fmt}"
    # The note explaining the mark, below the CSV and in the XLSX captions, when a figure is hidden.
    note = [_note()] if figures.is_suppressed else []
    if fmt == "csv":
        rows = [*summary, *([[]] if summary else []), header, *table] if summary else table
        head = [_("項目"), _("人数")] if summary else header
        rows = [*rows, *([[], note] if note else [])]
        return download(exports.csv_bytes(head, rows), "text/csv; charset=utf-8", name)
    sheets = [exports.Sheet(_("市区町村別") if not summary else _("開催回"), header, table, caption=[title, *note])]
    if summary:
        sheets.insert(0, exports.Sheet(_("住民"), [_("項目"), _("人数")], summary, caption=[title, *note]))
    return download(exports.xlsx_bytes(sheets), XLSX, name)
