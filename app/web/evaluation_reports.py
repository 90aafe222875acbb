"""What the coordinator's and the admin's effect reports share: filters from the query string,
the report's words, and its CSV/XLSX files (the same suppressed figures as the page)."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.models import Audience, CohortMode
from app.services.evaluation import reports
from app.services.infra import exports
from app.services.statistics.statistics import FIRST_FISCAL_YEAR, current_fiscal_year, fiscal_year_label
from app.services.statistics.suppression import MARK
from app.web import downloads

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODE_NAMES = {None: _l("すべて"), CohortMode.IN_PERSON: _l("対面"), CohortMode.LIVE_ONLINE: _l("オンライン（ライブ）"),
              CohortMode.ON_DEMAND: _l("オンデマンド")}
AUDIENCE_NAMES = {Audience.ADULT: _l("一般向け"), Audience.CHILDREN: _l("子ども向け")}


def filters_from(args: Mapping[str, str]) -> tuple[reports.Filters, bool]:
    """(filters, compare by mode) from ?audience=&year=&mode=&compare=1; unknown values are ignored."""
    audience = args.get("audience")
    mode = args.get("mode")
    year = args.get("year", "")
    filters = reports.Filters(
        audience=Audience(audience) if audience in {a.value for a in Audience} else Audience.ADULT,
        # Four ASCII digits: "²" passes isdigit() but not int(), and 30 nines overflow SQLite (500s before).
        fiscal_year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
        mode=CohortMode(mode) if mode in {m.value for m in CohortMode} else None)
    return filters, args.get("compare") == "1"


def query_args(filters: reports.Filters, compare: bool, **extra: str) -> dict[str, str]:
    args = {"audience": filters.audience.value, **extra}
    if filters.fiscal_year is not None:
        args["year"] = str(filters.fiscal_year)
    if filters.mode is not None:
        args["mode"] = filters.mode.value
    if compare:
        args["compare"] = "1"
    return args


def page_context(report: reports.Report, filters: reports.Filters, compare: bool) -> dict:
    years = list(range(current_fiscal_year(), FIRST_FISCAL_YEAR - 1, -1))
    return {"report": report, "filters": filters, "compare": compare, "mark": MARK,
            "years": [(y, fiscal_year_label(y)) for y in years], "mode_names": MODE_NAMES,
            "audience_names": AUDIENCE_NAMES, "modes": list(CohortMode)}


def threshold() -> int:
    return current_app.config["SUPPRESSION_THRESHOLD"]


def _plain(html: str) -> str:
    return Markup(html).striptags()


HEADER = (_l("開催のしかた"), _l("組の数"), _l("項目"), _l("答えた組"), _l("前の平均"), _l("後の平均"), _l("変化の平均"),
          _l("95%信頼区間（下）"), _l("95%信頼区間（上）"), _l("上がった（%）"), _l("同じ（%）"), _l("下がった（%）"),
          _l("追跡調査の回答"), _l("気づいた"), _l("声をかけた"), _l("つないだ"))


def file_rows(report: reports.Report) -> list[list]:
    texts = {item["id"]: _plain(item["text_html"]) for item in report.items}
    rows = []
    for row in reports.table_rows(report):
        mode = None if row[0] == "all" else CohortMode(row[0])
        rows.append([str(MODE_NAMES[mode]), MARK if row[1] is None else row[1], texts[row[2]],
                     *[MARK if value is None else value for value in row[3:]]])
    return rows


def file_bytes(report: reports.Report, fmt: str, title: str) -> tuple[bytes, str]:
    header = [str(h) for h in HEADER]
    rows = file_rows(report)
    note = _("「%(mark)s」は秘匿した欄です（%(n)d組未満の集まりと、そこから計算できてしまう欄）。", mark=MARK,
             n=report.threshold)
    if fmt == "csv":
        return exports.csv_bytes(header, [*rows, [], [title], [note]]), "text/csv; charset=utf-8"
    sheet = exports.Sheet(_("効果の集計"), header, rows, caption=[title, note])
    return exports.xlsx_bytes([sheet]), XLSX


def scale_bar(value: float | None, scale: int, width: int = 240) -> float:
    """The length of a bar for a mean on a 1..scale axis (the chart's x axis starts at 1)."""
    if value is None:
        return 0.0
    return round((value - 1) / (scale - 1) * width, 1)


def download(data: bytes, mimetype: str, filename: str) -> Response:
    return downloads.download(data, mimetype, filename)
