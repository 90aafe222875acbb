"""The statistics as tables that leave the admin pages (CSV and XLSX exports), with suppression.

Each table is suppressed as one table with its row and column totals (`suppression.suppress`);
every other figure in it (a year's subtotal, a running total, adults = total - children) is a
`visible_sum` of entries of that same table, so it is hidden whenever a part of it is. Values
are codes and numbers; the admin view puts the words on them.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.models import AgeBand, Audience, CohortMode, Sex
from app.services.statistics.statistics import AGE_BANDS, MODES, SEXES, AreaRow, Report
from app.services.statistics.suppression import suppress, visible_sum


@dataclass
class Table:
    key: str  # "periods", "areas", "age_sex", "modes", "sessions"
    columns: list[str]  # column codes, worded by the view
    rows: list[tuple[object, list[int | None]]]  # (row key, figures; None is hidden)
    is_suppressed: bool = True


def _running(values: list[int | None]) -> list[int | None]:
    out, total = [], 0
    for value in values:
        total = None if total is None or value is None else total + value
        out.append(total)
    return out


def periods_table(report: Report, threshold: int) -> Table:
    """Quarters from the first fiscal year up to the selected one, each year closed by a subtotal.

    Row keys: (fiscal year, quarter) for quarters, (fiscal year, None) for a year's subtotal."""
    last = report.filters.fiscal_year
    quarters = [q for q in report.all_quarters if last is None or q.fiscal_year <= last]
    shown = suppress([[q.adult, q.children] for q in quarters], threshold)
    cumulative = _running(shown.row_totals)
    rows: list[tuple[object, list[int | None]]] = []
    for index, q in enumerate(quarters):
        cells = shown.cells[index]
        rows.append(((q.fiscal_year, q.quarter), [*cells, shown.row_totals[index], cumulative[index]]))
        if index + 1 == len(quarters) or quarters[index + 1].fiscal_year != q.fiscal_year:
            year_rows = [i for i, other in enumerate(quarters) if other.fiscal_year == q.fiscal_year]
            rows.append(((q.fiscal_year, None), [
                visible_sum(shown.cells[i][0] for i in year_rows), visible_sum(shown.cells[i][1] for i in year_rows),
                visible_sum(shown.row_totals[i] for i in year_rows), cumulative[index]]))
    return Table("periods", ["adult", "children", "total", "cumulative"], rows)


def areas_table(report: Report, threshold: int) -> Table:
    """Per prefecture or municipality: the selected year and the running total to its end."""
    areas: list[AreaRow] = report.areas
    if report.filters.fiscal_year is None:
        shown = suppress([[a.adult, a.children] for a in areas], threshold)
        rows = [((a.code, a.name), [*shown.cells[i], shown.row_totals[i]]) for i, a in enumerate(areas)]
        rows.append((("total", ""), [*shown.column_totals, shown.total]))
        return Table("areas", ["adult", "children", "total"], rows)
    # Before the year and within it, as four cells, so "cumulative" is a total of this table.
    shown = suppress([[a.cumulative - a.cumulative_children - a.adult, a.cumulative_children - a.children,
                       a.adult, a.children] for a in areas], threshold)

    def figures(cells: list[int | None], row_total: int | None) -> list[int | None]:
        before_children, in_adult, in_children = cells[1], cells[2], cells[3]
        return [in_adult, in_children, visible_sum([in_adult, in_children]), row_total,
                visible_sum([before_children, in_children])]

    rows = [((a.code, a.name), figures(shown.cells[i], shown.row_totals[i])) for i, a in enumerate(areas)]
    rows.append((("total", ""), figures(shown.column_totals, shown.total)))
    return Table("areas", ["adult", "children", "total", "cumulative", "cumulative_children"], rows)


def age_sex_table(report: Report, threshold: int) -> Table:
    shown = suppress([[report.age_sex[(age, sex)] for sex in SEXES] for age in AGE_BANDS], threshold)
    rows: list[tuple[object, list[int | None]]] = [
        (age, [*shown.cells[i], shown.row_totals[i]]) for i, age in enumerate(AGE_BANDS)]
    rows.append(("total", [*shown.column_totals, shown.total]))
    return Table("age_sex", [_code(s) for s in SEXES] + ["total"], rows)


def modes_table(report: Report, threshold: int) -> Table:
    audiences = (Audience.ADULT, Audience.CHILDREN)
    shown = suppress([[report.mode_audience.get((mode, aud), 0) for aud in audiences] for mode in MODES], threshold)
    rows: list[tuple[object, list[int | None]]] = [
        (mode, [*shown.cells[i], shown.row_totals[i]]) for i, mode in enumerate(MODES)]
    rows.append(("total", [*shown.column_totals, shown.total]))
    return Table("modes", ["adult", "children", "total"], rows)


def sessions_table(report: Report) -> Table:
    """Cohorts held per area: counts of sessions, not of people, so nothing is hidden."""
    rows: list[tuple[object, list[int | None]]] = [((a.code, a.name), [a.sessions]) for a in report.areas]
    rows.append((("total", ""), [report.sessions]))
    return Table("sessions", ["sessions"], rows, is_suppressed=False)


def export_tables(report: Report, threshold: int) -> list[Table]:
    return [periods_table(report, threshold), areas_table(report, threshold), age_sex_table(report, threshold),
            modes_table(report, threshold), sessions_table(report)]


def _code(value: AgeBand | Sex | CohortMode | None) -> str:
    return "unknown" if value is None else value.value
