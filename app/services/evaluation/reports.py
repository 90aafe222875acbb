"""Effect reports: did answers change between before and after, for a cohort up to the nation.

One GROUP BY over the narrow evaluation_pair table (by delivery mode) gives every figure as sums
(pairs, Σbefore, Σafter, Σchange, Σchange², improved, declined, follow-up counts per item); the
total is the sum of the modes, so comparing 対面 / オンライン（ライブ） / オンデマンド costs nothing more.
Only complete pairs count (both before and after answered). Groups under the threshold of pairs are
hidden, and so are the groups from which a hidden one could be worked out (suppression.suppress on
the pair counts per mode, and again per item).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Audience, CohortMode, ContentVersion, EvaluationPair
from app.models.evaluation import MAX_ITEMS
from app.services.evaluation.answers import questionnaire_of
from app.services.evaluation.maths import Change, mean_change
from app.services.statistics.suppression import DEFAULT_THRESHOLD, SuppressedTable, suppress

MODES = (CohortMode.IN_PERSON, CohortMode.LIVE_ONLINE, CohortMode.ON_DEMAND)
SLOTS = range(1, MAX_ITEMS + 1)


@dataclass(frozen=True)
class Scope:
    """Which pairs: at most one of these is set (none: the nation)."""

    cohort_id: int | None = None
    organisation_id: int | None = None
    municipality_code: str | None = None
    prefecture_code: str | None = None
    organisation_ids: tuple[int, ...] | None = None  # a platform's member organisations


@dataclass(frozen=True)
class Filters:
    audience: Audience = Audience.ADULT
    fiscal_year: int | None = None  # None: every year
    mode: CohortMode | None = None  # None: every mode


@dataclass(frozen=True)
class ItemFigures:
    n: int
    before: float
    after: float
    change: Change
    improved: float  # shares of n, 0..1
    same: float
    declined: float


@dataclass(frozen=True)
class Followup:
    answered: int
    noticed: int
    spoke: int
    connected: int


@dataclass
class Group:
    mode: CohortMode | None  # None: all modes together
    pairs: int | None  # None: hidden
    items: list[ItemFigures | None] = field(default_factory=list)  # None: hidden or no answers
    followup: Followup | None = None


@dataclass
class Report:
    items: list[dict]  # {"id", "text_html"} of the newest version in the data
    scale: int
    labels_html: list[str]
    groups: list[Group]  # the total first, then one per mode when compared
    threshold: int

    @property
    def total(self) -> Group:
        return self.groups[0]


@functools.cache
def _sums() -> tuple[sa.ColumnElement, ...]:
    # Built once: some fifty expressions, immutable, and a tenth of a small report's time to build.
    p = EvaluationPair
    columns: list[sa.ColumnElement] = [p.mode, sa.func.count().label("pairs"), sa.func.max(p.version_id)]
    for i in SLOTS:
        b, a = getattr(p, f"b{i}"), getattr(p, f"a{i}")
        both = sa.and_(b.is_not(None), a.is_not(None))
        diff = a - b
        columns += [sa.func.count(sa.case((both, 1))), sa.func.sum(sa.case((both, b))),
                    sa.func.sum(sa.case((both, a))), sa.func.sum(sa.case((both, diff))),
                    sa.func.sum(sa.case((both, diff * diff))), sa.func.count(sa.case((a > b, 1))),
                    sa.func.count(sa.case((a < b, 1)))]
    yes = [sa.func.count(sa.case((getattr(p, name).is_(True), 1))) for name in ("noticed", "spoke", "connected")]
    return (*columns, sa.func.count(p.followup_on), *yes)


def query(scope: Scope, filters: Filters) -> sa.Select:
    """The one statement a report runs (the benchmark times it bare too)."""
    p = EvaluationPair
    where = [p.audience == filters.audience, p.before_on.is_not(None), p.after_on.is_not(None)]
    if filters.fiscal_year is not None:
        where.append(p.fiscal_year == filters.fiscal_year)
    # No WHERE on the mode: every view is cut from the same by-mode table and suppressed the same
    # way, or the total of one view minus the modes shown in another would give a hidden mode away.
    for column, value in ((p.cohort_id, scope.cohort_id), (p.organisation_id, scope.organisation_id),
                          (p.municipality_code, scope.municipality_code), (p.prefecture_code, scope.prefecture_code)):
        if value is not None:
            where.append(column == value)
    if scope.organisation_ids is not None:
        where.append(p.organisation_id.in_(scope.organisation_ids or (-1,)))
    return sa.select(*_sums()).where(*where).group_by(p.mode)


def _raw(rows: list) -> dict[CohortMode, list[int]]:
    """Per mode: [pairs, (n, Σb, Σa, Σd, Σd², up, down) * 6, answered, noticed, spoke, connected]."""
    sums = {mode: [0] * (1 + 7 * MAX_ITEMS + 4) for mode in MODES}
    for row in rows:
        mode, pairs, _version, *rest = row
        sums[CohortMode(mode) if not isinstance(mode, CohortMode) else mode] = [pairs, *[v or 0 for v in rest]]
    return sums


def _item(values: list[int], slot: int) -> ItemFigures | None:
    n, sb, sa_, sd, sdd, up, down = values[1 + 7 * (slot - 1): 1 + 7 * slot]
    if n == 0:
        return None
    return ItemFigures(n, sb / n, sa_ / n, mean_change(n, sd, sdd), up / n, (n - up - down) / n, down / n)


def _group(mode: CohortMode | None, values: list[int], shown_pairs: bool, shown_items: list[bool],
           threshold: int) -> Group:
    if values[0] == 0:  # nobody: a zero is not a small group, so it is shown as it is
        return Group(mode, 0, [None] * MAX_ITEMS)
    if not shown_pairs:
        return Group(mode, None, [None] * MAX_ITEMS)
    answered, noticed, spoke, connected = values[-4:]
    followup = Followup(answered, noticed, spoke, connected) if answered >= threshold else None
    items = [_item(values, slot) if shown_items[slot - 1] else None for slot in SLOTS]
    return Group(mode, values[0], items, followup)


def build(rows: list, version: ContentVersion | None, *, compare: bool, mode: CohortMode | None = None,
          threshold: int = DEFAULT_THRESHOLD) -> Report:
    """The report from the query's rows: the total, the modes side by side, or one mode; suppressed.

    The decision what to hide is taken once on the table of modes (pairs, and each item's answers),
    whatever the view: the total, a mode alone and the comparison all show the same figures."""
    sums = _raw(rows)
    total = [sum(column) for column in zip(*sums.values(), strict=True)]
    tables = [suppress([[sums[m][0] for m in MODES]], threshold)]
    tables += [suppress([[sums[m][1 + 7 * (s - 1)] for m in MODES]], threshold) for s in SLOTS]

    def shown(t: SuppressedTable, j: int | None, count: int) -> bool:
        # None: the total. Besides suppress's verdict, no group under the threshold is ever shown.
        return count >= threshold and (t.total if j is None else t.cells[0][j]) is not None

    def group_of(j: int | None) -> Group:
        values = total if j is None else sums[MODES[j]]
        items = [shown(tables[s], j, values[1 + 7 * (s - 1)]) for s in SLOTS]
        return _group(None if j is None else MODES[j], values, shown(tables[0], j, values[0]), items, threshold)

    if compare:
        groups = [group_of(None), *[group_of(j) for j in range(len(MODES))]]
    elif mode is not None:
        groups = [group_of(MODES.index(mode))]
    else:
        groups = [group_of(None)]
    spec = questionnaire_of(version)
    return Report(items=spec.items if spec else [], scale=spec.scale if spec else 5,
                  labels_html=spec.labels_html if spec else [], groups=groups, threshold=threshold)


def report(session: Session, scope: Scope, filters: Filters, *, compare: bool = False,
           threshold: int = DEFAULT_THRESHOLD) -> Report:
    """Run the query and build the report (one statement, plus the version with the items' words)."""
    rows = session.execute(query(scope, filters)).all()
    newest = max((row[2] for row in rows if row[2] is not None), default=None)
    version = session.get(ContentVersion, newest) if newest is not None else None
    return build(rows, version, compare=compare, mode=filters.mode, threshold=threshold)


def table_rows(report_: Report) -> list[list]:
    """The report as rows for CSV/XLSX: one per group and item (hidden figures as None)."""
    rows = []
    for group in report_.groups:
        for slot, item in enumerate(report_.items):
            figures = group.items[slot] if group.pairs is not None else None
            row = [group.mode.value if group.mode else "all", group.pairs, item["id"]]
            if figures is None:
                row += [None] * 9
            else:
                c = figures.change
                row += [figures.n, round(figures.before, 2), round(figures.after, 2), _r(c.mean), _r(c.low),
                        _r(c.high), round(figures.improved * 100, 1), round(figures.same * 100, 1),
                        round(figures.declined * 100, 1)]
            f = group.followup
            row += [f.answered, f.noticed, f.spoke, f.connected] if f else [None] * 4
            rows.append(row)
    return rows


def _r(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
