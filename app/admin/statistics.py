"""Admin: national statistics of つながりサポーター (page with charts and tables; CSV and XLSX).

The page shows exact figures (admins see everything); the files are suppressed, because they
leave the system, and every download is in the audit log."""
from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp, charts
from app.admin.forms import StatisticsFilterForm
from app.extensions import db
from app.i18n import AGE_BAND_LABELS, SEX_LABELS
from app.models import Audience
from app.services.infra import audit, exports
from app.services.organisations import municipalities
from app.services.statistics import statistics as stats
from app.services.statistics import statistics_tables, tilemap
from app.services.statistics.statistics import AGE_BANDS, MODES, SEXES, Filters, fiscal_year_label
from app.services.statistics.suppression import MARK
from app.web.cohort_text import MODE_LABELS
from app.web.downloads import XLSX, download

AUDIENCE_LABELS = {Audience.ADULT: _l("大人向け"), Audience.CHILDREN: _l("子ども向け")}
TABLE_TITLES = {
    "periods": _l("四半期・年度ごと"),
    "areas": _l("地域ごと"),
    "age_sex": _l("年代・性別"),
    "modes": _l("実施形態"),
    "sessions": _l("開催回数"),
}
COLUMN_LABELS = {
    "adult": _l("大人向け"),
    "children": _l("子ども向け"),
    "total": _l("計"),
    "cumulative": _l("累計"),
    "cumulative_children": _l("累計のうち子ども向け"),
    "sessions": _l("開催回数"),
    "unknown": _l("未回答"),
    **{s.value: label for s, label in SEX_LABELS.items()},
}


def _filters() -> tuple[StatisticsFilterForm, Filters, dict[str, str]]:
    form = StatisticsFilterForm(request.args)
    form.year.choices = [("", _l("すべての年度"))] + [
        (str(y), f"{fiscal_year_label(y)}（{y}年4月〜{y + 1}年3月）") for y in stats.fiscal_years()]
    prefectures = {p.code: p.name for p in municipalities.all_prefectures(db.session)}
    form.pref.choices = [("", _l("全国"))] + list(prefectures.items())
    if not form.validate():
        return form, Filters(), prefectures
    year = int(form.year.data) if form.year.data else None
    return form, Filters(year, form.pref.data or None), prefectures


def _area_name(report: stats.Report, code: str | None, name: str) -> str:
    if code is None:
        return _("市区町村の別なし・不明") if report.area_level == "municipality" else _("地域不明")
    if code == "total":
        return _("合計")
    return name


def _period_name(key: tuple[int, int | None]) -> str:
    year, quarter = key
    if quarter is None:
        return _("%(year)s 計", year=fiscal_year_label(year))
    return f"{fiscal_year_label(year)} {stats.quarter_months(quarter)}"


def _row_name(report: stats.Report, table: statistics_tables.Table, key) -> str:
    if table.key == "periods":
        return _period_name(key)
    if table.key in ("areas", "sessions"):
        return _area_name(report, *key)
    if key == "total":
        return _("合計")
    if table.key == "age_sex":
        return str(AGE_BAND_LABELS[key]) if key is not None else _("未回答")
    return str(MODE_LABELS[key])


def _scope_line(report: stats.Report, prefectures: dict[str, str]) -> str:
    area = prefectures.get(report.filters.prefecture_code or "", _("全国"))
    year = fiscal_year_label(report.filters.fiscal_year) if report.filters.fiscal_year else _("すべての年度")
    return f"{area}・{year}"


def _sheets(report: stats.Report, threshold: int, prefectures: dict[str, str]) -> list[exports.Sheet]:
    scope = _scope_line(report, prefectures)
    made = dt.datetime.now(stats.JST).strftime("%Y-%m-%d %H:%M")
    sheets = []
    for table in statistics_tables.export_tables(report, threshold):
        first = _("都道府県・市区町村") if table.key in ("areas", "sessions") else (
            _("期間") if table.key == "periods" else _("区分"))
        header = [first] + [str(COLUMN_LABELS.get(c, c)) for c in table.columns]
        rows = [[_row_name(report, table, key)] + [MARK if v is None else v for v in values]
                for key, values in table.rows]
        note = (_("「%(mark)s」は秘匿した欄です（1〜%(n)d人の欄と、合計などから計算できてしまう欄）。",
                  mark=MARK, n=threshold - 1) if table.is_suppressed else _("開催回数は人数ではないため、秘匿していません。"))
        caption = [f"{_('つながりサポーター統計')}：{TABLE_TITLES[table.key]}（{scope}）",
                   _("作成日時：%(at)s", at=made), note]
        sheets.append(exports.Sheet(str(TABLE_TITLES[table.key]), header, rows, caption))
    return sheets


@bp.route("/statistics")
def statistics():
    form, filters, prefectures = _filters()
    report = stats.national_report(db.session, filters)
    return render_template("admin/statistics.html", form=form, report=report, prefectures=prefectures,
                           scope=_scope_line(report, prefectures), charts=_charts(report),
                           area_picture=_area_picture(report),
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"], args=_args(filters),
                           AGE_BANDS=AGE_BANDS, SEXES=SEXES, MODES=MODES, AUDIENCE_LABELS=AUDIENCE_LABELS,
                           fiscal_year_label=fiscal_year_label, quarter_months=stats.quarter_months,
                           area_name=lambda code, name: _area_name(report, code, name), tables=TABLE_TITLES,
                           ADULT=Audience.ADULT, CHILDREN=Audience.CHILDREN,
                           audience_legend=[(AUDIENCE_LABELS[Audience.ADULT], charts.ADULT),
                                            (AUDIENCE_LABELS[Audience.CHILDREN], charts.CHILDREN)],
                           sex_legend=[(SEX_LABELS[s] if s else _("未回答"), c)
                                       for s, c in zip(SEXES, charts.SEX_COLOURS, strict=True)])


def _args(filters: Filters) -> dict[str, str]:
    args = {}
    if filters.fiscal_year:
        args["year"] = str(filters.fiscal_year)
    if filters.prefecture_code:
        args["pref"] = filters.prefecture_code
    return args


def _charts(report: stats.Report) -> dict[str, charts.Chart]:
    quarters = report.quarters[-12:]  # three years at most keeps the columns readable
    age_rows = [[report.age_sex[(age, sex)] for age in AGE_BANDS] for sex in SEXES]
    return {
        "quarters": charts.columns(
            [f"{q.fiscal_year % 100}/{q.quarter}Q" if report.filters.fiscal_year is None
             else stats.quarter_months(q.quarter) for q in quarters],
            [[q.adult for q in quarters], [q.children for q in quarters]], [charts.ADULT, charts.CHILDREN],
            [str(AUDIENCE_LABELS[Audience.ADULT]), str(AUDIENCE_LABELS[Audience.CHILDREN])]),
        "age_sex": charts.bars(
            [str(AGE_BAND_LABELS[a]) if a else _("未回答") for a in AGE_BANDS], age_rows, list(charts.SEX_COLOURS),
            [str(SEX_LABELS[s]) if s else _("未回答") for s in SEXES], label_width=100),
        "modes": charts.bars([str(MODE_LABELS[m]) for m in MODES],
                             [[report.mode_audience[(m, a)] for m in MODES] for a in (Audience.ADULT, Audience.CHILDREN)],
                             [charts.ADULT, charts.CHILDREN],
                             [str(AUDIENCE_LABELS[Audience.ADULT]), str(AUDIENCE_LABELS[Audience.CHILDREN])],
                             label_width=170),
    }


def _area_picture(report: stats.Report) -> tilemap.TileMap | tilemap.BarChart:
    """The national view's prefectures as a tile map; one prefecture's municipalities as bars."""
    if report.area_level == "prefecture":
        return tilemap.tile_map({row.code: (row.name, row.total) for row in report.areas if row.code})
    return tilemap.ranked_bars((row.code, row.name, row.total) for row in report.areas if row.code)


def _export(fmt: str, table_key: str | None):
    form, filters, prefectures = _filters()
    report = stats.national_report(db.session, filters)
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    sheets = _sheets(report, threshold, prefectures)
    if table_key:
        sheets = [s for s, key in zip(sheets, TABLE_TITLES, strict=True) if key == table_key] or sheets[:1]
    audit.record(db.session, "export.statistics", actor_id=current_user.id, ip=request.remote_addr,
                 format=fmt, table=table_key or "all", fiscal_year=filters.fiscal_year,
                 prefecture=filters.prefecture_code, threshold=threshold)
    db.session.commit()
    stem = "tsunagari_statistics_" + "_".join(
        [filters.prefecture_code or "all", str(filters.fiscal_year or "all")] + ([table_key] if table_key else []))
    if fmt == "csv":
        sheet = sheets[0]
        data = exports.csv_bytes(sheet.header, sheet.rows)
        mimetype = "text/csv; charset=utf-8"
    else:
        data, mimetype = exports.xlsx_bytes(sheets), XLSX
    return download(data, mimetype, f"{stem}.{fmt}")


@bp.route("/statistics/export.csv")
def statistics_csv():
    key = request.args.get("table", "areas")
    return _export("csv", key if key in TABLE_TITLES else "areas")


@bp.route("/statistics/export.xlsx")
def statistics_xlsx():
    return _export("xlsx", None)
