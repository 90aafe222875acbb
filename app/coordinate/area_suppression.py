"""The area dashboards' counts of people after small-cell suppression (秘匿処理).

Coordinators are outside the admin pages, so what they see and download follows the same rule as
open data (`app/services/suppression.py`): no count of people from 1 to threshold - 1, and nothing
hidden that the other figures give back. The page, the CSV and the XLSX all use the figures made
here; cohort_reports keeps the exact counts. Cohorts held (開催回) are not people and stay shown.

The viewer's own organisations' cohorts are theirs: their participants and completions are shown
exactly, as the 実施報告 prints them, so the dashboard and the report agree. What is suppressed is
what goes beyond the organisation: the residents of the area (who may have learnt anywhere) and
the figures of other municipalities. A cohort's participants are not all residents, so its exact
counts give no hidden resident figure back.

Residents who completed (supporters) are a part of those who started, so the table that adds up
is, per municipality, supporters + residents still learning = residents who started. The figures
shown are that table's entries: supporters its first column, residents who started its row
totals, the prefecture's two figures its column total and grand total. Residents still learning
are never printed, but they follow from the two others (started - supporters), so they count as
shown: a town where 1 resident has not finished hides its supporters too, or that one person
would be known.

Each line that nothing sums (a cohort, a municipality's total) is a table of one row.

Not covered: tables seen side by side. A coordinator who sees a municipality's exact figure on
another page (their own municipality dashboard shows figures of at least the threshold) could
combine it with the prefecture table, whose complementary cells are chosen on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.models import Audience, Cohort
from app.services.cohorts.cohort_reports import MunicipalityArea, PrefectureArea
from app.services.statistics.suppression import MARK, suppress


@dataclass(frozen=True)
class ShownRow:
    """A row of residents; None is a hidden figure."""

    code: str
    name: str
    enrolled: int | None
    supporters: int | None
    sessions: int = 0

    @property
    def is_rate_hidden(self) -> bool:
        return self.enrolled is None or self.supporters is None

    @property
    def completion_rate(self) -> int | None:
        """Percent of those who started who completed; None when hidden or when nobody started."""
        if self.is_rate_hidden or not self.enrolled:
            return None
        return self.supporters * 100 // self.enrolled

    @property
    def is_suppressed(self) -> bool:
        return self.is_rate_hidden


@dataclass(frozen=True)
class ShownCohort:
    cohort: Cohort
    organisation_name: str
    enrolled: int
    completed: int


@dataclass(frozen=True)
class ShownMunicipality:
    code: str
    name: str
    by_audience: dict[Audience, ShownRow]
    total: ShownRow
    cohorts: list[ShownCohort]

    @property
    def is_suppressed(self) -> bool:
        return self.total.is_suppressed or any(r.is_suppressed for r in self.by_audience.values())


@dataclass(frozen=True)
class ShownPrefecture:
    code: str
    name: str
    rows: list[ShownRow]
    prefecture_wide_sessions: int
    total: ShownRow

    @property
    def is_suppressed(self) -> bool:
        return self.total.is_suppressed or any(r.is_suppressed for r in self.rows)


def _split(supporters: int, enrolled: int) -> list[int]:
    return [supporters, enrolled - supporters]


def _line(supporters: int, enrolled: int, threshold: int) -> tuple[int | None, int | None]:
    """(enrolled, supporters) of a line that is not part of a larger table."""
    shown = suppress([_split(supporters, enrolled)], threshold)
    return shown.row_totals[0], shown.cells[0][0]


def prefecture(area: PrefectureArea, threshold: int) -> ShownPrefecture:
    """The prefecture table, suppressed as one table with its totals."""
    if not area.rows:
        return ShownPrefecture(area.code, area.name, [], area.prefecture_wide_sessions,
                               ShownRow(area.total.code, area.total.name, 0, 0, area.total.sessions))
    shown = suppress([_split(r.supporters, r.enrolled) for r in area.rows], threshold)
    rows = [ShownRow(r.code, r.name, shown.row_totals[i], shown.cells[i][0], r.sessions)
            for i, r in enumerate(area.rows)]
    total = ShownRow(area.total.code, area.total.name, shown.total, shown.column_totals[0], area.total.sessions)
    return ShownPrefecture(area.code, area.name, rows, area.prefecture_wide_sessions, total)


def municipality(area: MunicipalityArea, threshold: int) -> ShownMunicipality:
    """Residents by audience with their total, suppressed; the viewer's own cohorts exact."""
    audiences = list(area.by_audience)
    shown = suppress([_split(area.by_audience[a].supporters, area.by_audience[a].enrolled) for a in audiences],
                     threshold)
    by_audience = {a: ShownRow(area.by_audience[a].code, area.by_audience[a].name, shown.row_totals[i],
                               shown.cells[i][0]) for i, a in enumerate(audiences)}
    # The total counts someone who took both kinds of course once, so it can be smaller than the
    # table's total: it is hidden with that total, and on its own when it is small itself.
    enrolled, supporters = _line(area.total.supporters, area.total.enrolled, threshold)
    total = ShownRow(area.total.code, area.total.name, enrolled if shown.total is not None else None,
                     supporters if shown.column_totals[0] is not None else None, area.total.sessions)
    cohorts = [ShownCohort(f.cohort, f.organisation_name, f.enrolled, f.completed) for f in area.cohorts]
    return ShownMunicipality(area.code, area.name, by_audience, total, cohorts)


def figure(value: int | None) -> int | str:
    """A count for a file: the number, or the mark."""
    return MARK if value is None else value


def rate(row: ShownRow) -> str:
    """A completion rate for a file: "66%", the mark, or empty when nobody started."""
    if row.is_rate_hidden:
        return MARK
    return "" if row.completion_rate is None else f"{row.completion_rate}%"

