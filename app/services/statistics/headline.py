"""Supporter counts for public pages (the home page, the open-data map): the open data's own figures.

The figures are read from `opendata.supporter_rows`, so they are exactly what anyone can download:
cumulative supporters up to the end of the last fiscal year that has ended, suppressed per
prefecture. The open data has no national row; a national total would give back a hidden
prefecture total (national minus the others), so it is the sum of the shown prefecture totals and
says whether it is a lower bound (`national_is_partial`) when some prefecture is hidden.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Municipality, Prefecture
from app.services.statistics import opendata
from app.services.statistics.suppression import MARK

CUMULATIVE = opendata.COLUMNS.index("つながりサポーター数（累計）")


@dataclass(frozen=True)
class AreaCount:
    code: str  # prefecture "29" or municipality "292095"
    name: str
    supporters: int | None  # cumulative to the end of `fiscal_year`; None is hidden (or nothing published)


@dataclass(frozen=True)
class PublishedCounts:
    fiscal_year: int | None  # the last fiscal year published; None before the first one has ended
    national: int  # sum of the shown prefecture figures
    national_is_partial: bool  # some prefecture is hidden: `national` is "at least"
    prefectures: list[AreaCount]
    municipalities: dict[str, list[AreaCount]] = field(default_factory=dict)  # by prefecture code

    def prefecture(self, code: str) -> AreaCount | None:
        return next((p for p in self.prefectures if p.code == code), None)

    def municipality(self, code: str) -> AreaCount | None:
        return next((m for m in self.municipalities.get(code[:2], []) if m.code == code), None)


def _figure(text: str) -> int | None:
    return None if text == MARK else int(text)


def published_counts(session: Session, threshold: int, now: dt.datetime | None = None) -> PublishedCounts:
    """Every area's published cumulative count; a fixed number of queries, whatever the data."""
    years = opendata.published_years(now)
    last = years[-1] if years else None
    shown: dict[str, int | None] = {}
    if last is not None:
        for row in opendata.supporter_rows(session, threshold, now):
            code, year = row[0], int(row[3])
            if year == last and code:
                # Prefecture rows carry the prefecture's 6-digit code (290009) and no municipality name.
                shown[code[:2] if not row[2] else code] = _figure(row[CUMULATIVE])
    prefectures = [AreaCount(code, name, shown.get(code) if last else None) for code, name in
                   session.execute(sa.select(Prefecture.code, Prefecture.name).order_by(Prefecture.code))]
    municipalities: dict[str, list[AreaCount]] = {}
    for code, prefecture, name in session.execute(
            sa.select(Municipality.code, Municipality.prefecture_code, Municipality.name).order_by(Municipality.code)):
        municipalities.setdefault(prefecture, []).append(AreaCount(code, name, shown.get(code) if last else None))
    visible = [p.supporters for p in prefectures if p.supporters is not None]
    return PublishedCounts(fiscal_year=last, national=sum(visible),
                           national_is_partial=last is not None and len(visible) < len(prefectures),
                           prefectures=prefectures, municipalities=municipalities)
