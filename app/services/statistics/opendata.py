"""Open data: つながりサポーター per municipality and fiscal year, a CSV anyone may download.

Columns follow Japanese local-government open data (自治体標準オープンデータセット): the 6-digit
全国地方公共団体コード first, then 都道府県名 and 市区町村名, then the figures; one row per area and
fiscal year, prefecture rows carrying the prefecture's code (e.g. 290009). Only fiscal years that
have ended are published, so the file changes once a year and two downloads cannot be compared
to date anyone's completion.

Each prefecture is suppressed as one table: its municipalities (and, for pupils of prefectural
schools, 「市区町村の別なし」) by fiscal year and course (adult, children), with the municipality
totals and the prefecture row as its margins. Every figure in the file is an entry of that table
or a `visible_sum` of its entries, so no hidden figure can be computed from the others.
Supporters whose area is not known are left out (they belong to no prefecture's table).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Audience, Municipality, Prefecture, SupporterRecord
from app.models.base import utcnow
from app.services.infra import exports
from app.services.statistics.statistics import FIRST_FISCAL_YEAR, current_fiscal_year
from app.services.statistics.suppression import show, suppress, visible_sum

COLUMNS = (
    "全国地方公共団体コード",
    "都道府県名",
    "市区町村名",
    "年度",
    "養成数（年度内）",
    "うち子ども向け（年度内）",
    "つながりサポーター数（累計）",
    "うち子ども向け（累計）",
)
NO_MUNICIPALITY = "市区町村の別なし"
AUDIENCES = (Audience.ADULT, Audience.CHILDREN)


def published_years(now: dt.datetime | None = None) -> list[int]:
    """Fiscal years that have ended, oldest first."""
    return list(range(FIRST_FISCAL_YEAR, current_fiscal_year(now)))


def supporter_rows(session: Session, threshold: int, now: dt.datetime | None = None) -> list[list[str]]:
    """The rows of the CSV (without the header), suppressed, as text."""
    years = published_years(now)
    if not years:
        return []
    counts: dict[tuple[str, str | None], dict[tuple[int, Audience], int]] = {}
    stmt = (sa.select(SupporterRecord.prefecture_code, SupporterRecord.municipality_code, SupporterRecord.fiscal_year,
                      SupporterRecord.audience, sa.func.count())
            .where(SupporterRecord.fiscal_year.between(years[0], years[-1]),
                   SupporterRecord.prefecture_code.is_not(None))
            .group_by(SupporterRecord.prefecture_code, SupporterRecord.municipality_code,
                      SupporterRecord.fiscal_year, SupporterRecord.audience))
    for prefecture, municipality, year, audience, n in session.execute(stmt):
        counts.setdefault((prefecture, municipality), {})[(year, audience)] = n
    prefectures = session.execute(sa.select(Prefecture.code, Prefecture.lg_code, Prefecture.name)
                                  .order_by(Prefecture.code)).all()
    municipalities: dict[str, list[tuple[str, str]]] = {}
    for code, prefecture, name in session.execute(sa.select(Municipality.code, Municipality.prefecture_code,
                                                            Municipality.name).order_by(Municipality.code)):
        municipalities.setdefault(prefecture, []).append((code, name))

    columns = [(year, audience) for year in years for audience in AUDIENCES]
    by_year: dict[int, list[list[str]]] = {year: [] for year in years}
    for pref_code, lg_code, pref_name in prefectures:
        areas = list(municipalities.get(pref_code, []))
        known = {code for code, _ in areas}
        # Codes gone from the reference data (a merger) keep their own row; no municipality last.
        areas += [(code, code) for code in sorted(c for p, c in counts if p == pref_code and c and c not in known)]
        if (pref_code, None) in counts:
            areas.append((None, NO_MUNICIPALITY))
        table = [[counts.get((pref_code, code), {}).get(column, 0) for column in columns] for code, _ in areas]
        shown = suppress(table, threshold)
        for index, year in enumerate(years):
            upto = [i for i, (y, _) in enumerate(columns) if y <= year]
            is_last = index == len(years) - 1

            def figures(cells: list[int | None], row_total: int | None, year: int = year, upto: list[int] = upto,
                        is_last: bool = is_last) -> list[str]:
                adult, children = cells[columns.index((year, Audience.ADULT))], cells[
                    columns.index((year, Audience.CHILDREN))]
                cumulative = row_total if is_last else visible_sum(cells[i] for i in upto)
                cumulative_children = visible_sum(cells[i] for i in upto if columns[i][1] is Audience.CHILDREN)
                return [show(visible_sum([adult, children])), show(children), show(cumulative),
                        show(cumulative_children)]

            by_year[year].append([lg_code, pref_name, "", str(year), *figures(shown.column_totals, shown.total)])
            for i, (code, name) in enumerate(areas):
                by_year[year].append([code or "", pref_name, name, str(year),
                                      *figures(shown.cells[i], shown.row_totals[i])])
    return [row for year in years for row in by_year[year]]


def supporters_csv(session: Session, threshold: int, now: dt.datetime | None = None) -> bytes:
    """The open-data CSV: UTF-8 with a byte-order mark (Excel), CRLF line ends."""
    return exports.csv_bytes(COLUMNS, supporter_rows(session, threshold, now or utcnow()))
