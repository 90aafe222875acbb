"""Small-cell suppression (秘匿処理) for every count of people shown outside the admin pages.

`suppress(table, threshold)` takes a table of counts with its row, column and grand totals and
hides (returns None for):

1. every entry from 1 to threshold - 1 (primary suppression), so nobody is in a group so small
   that they could be recognised;
2. enough other entries that no hidden entry can be worked out from the totals (complementary
   suppression).

Why a second pass is needed: if 野迫川村 shows "＊" but 奈良県's total and every other municipality
are shown, the village's figure is the total minus the rest. The classic way to see it (Cox 1980)
is to read the table as a circulation: each cell is a flow from its row to its column, row totals
flow in from a source, column totals out to a sink, and the grand total closes the loop. A hidden
entry can be worked out exactly unless it lies on a cycle of hidden entries; along such a cycle
the attacker can add 1 to every forward entry and take 1 from every backward one and still match
every published total. So for each primary entry we hide the cheapest path that closes a cycle
through it (Dijkstra, costing an entry at its value so large, informative figures are kept), and
we prefer cycles along which the primary entry can grow by one without pushing any other hidden
entry below 1: zeros are never hidden, so an attacker knows hidden entries are at least 1.

Any other figure computed from a suppressed table (a cumulative sum, adults = total - children)
must be built with `visible_sum()`, which hides the result when one of its parts is hidden;
otherwise the derived figure would give away what the table hides.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5
MARK = "＊"  # shown instead of a hidden figure; pages and files explain it in a note


@dataclass(frozen=True)
class SuppressedTable:
    """A table after suppression: None marks a hidden entry."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    @property
    def hidden_count(self) -> int:
        entries = [v for row in self.cells for v in row] + self.row_totals + self.column_totals + [self.total]
        return sum(1 for v in entries if v is None)


def visible_sum(values: Iterable[int | None]) -> int | None:
    """The sum of figures from a suppressed table, or None when any of them is hidden."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def show(value: int | None) -> str:
    """A figure as printed: the number, or the suppression mark."""
    return MARK if value is None else str(value)


# --- the circulation graph ---------------------------------------------------------------------------
# Nodes: 0..R-1 rows, R..R+C-1 columns, R+C the source (row totals flow out of it), R+C+1 the sink
# (column totals flow into it). Arcs are (tail, head, value), one per table entry.

def _arcs(table: Sequence[Sequence[int]]) -> tuple[dict[tuple, tuple[int, int, int]], int]:
    rows, cols = len(table), len(table[0]) if table else 0
    source, sink = rows + cols, rows + cols + 1
    arcs: dict[tuple, tuple[int, int, int]] = {}
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            arcs[("cell", i, j)] = (i, rows + j, value)
        arcs[("row", i)] = (source, i, sum(row))
    for j in range(cols):
        arcs[("col", j)] = (rows + j, sink, sum(row[j] for row in table))
    arcs[("total",)] = (sink, source, sum(sum(row) for row in table))
    return arcs, rows + cols + 2


def _closing_path(arcs: dict, nodes: int, hidden: set, start: tuple, strict: bool) -> list[tuple] | None:
    """The cheapest path from the head of `start` back to its tail, avoiding `start`.

    Hidden entries cost nothing, shown ones their value; zeros are never used (a shown zero is
    known to be zero). With `strict`, a hidden entry of 1 is not walked backwards: the cycle then
    lets `start` grow by one while every other hidden entry stays at 1 or more."""
    tail, head, _ = arcs[start]
    adjacency: list[list[tuple]] = [[] for _ in range(nodes)]
    for key, (a, b, value) in arcs.items():
        if key == start or (value == 0 and key not in hidden):
            continue
        adjacency[a].append((b, key, True))  # walked forwards: gains one
        adjacency[b].append((a, key, False))  # walked backwards: loses one
    best = {head: 0}
    previous: dict[int, tuple[int, tuple]] = {}
    queue = [(0, head)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == tail:
            break
        if cost > best.get(node, cost):
            continue
        for other, key, forwards in adjacency[node]:
            value = arcs[key][2]
            if strict and not forwards and key in hidden and value < 2:
                continue
            step = cost + (0 if key in hidden else value)
            if step < best.get(other, step + 1):
                best[other] = step
                previous[other] = (node, key)
                heapq.heappush(queue, (step, other))
    if tail not in best:
        return None
    path, node = [], tail
    while node != head:
        node, key = previous[node]
        path.append(key)
    return path


def suppress(table: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    """Hide small entries of `table` (rows of non-negative counts) and what would reveal them.

    The totals are computed here and returned with the same rule applied; a caller that shows a
    total must show the returned one."""
    table = [list(row) for row in table]
    if any(len(row) != len(table[0]) for row in table):
        raise ValueError("every row needs the same number of columns")
    if any(value < 0 for row in table for value in row):
        raise ValueError("counts cannot be negative")
    arcs, nodes = _arcs(table)
    primary = sorted((key for key, (_, _, value) in arcs.items() if 0 < value < threshold),
                     key=lambda key: (arcs[key][2], key))
    hidden = set(primary)
    for key in primary:
        path = (_closing_path(arcs, nodes, hidden, key, strict=True)
                or _closing_path(arcs, nodes, hidden, key, strict=False))
        if path:
            hidden.update(path)
        # No path at all is impossible: the totals always close a cycle through any entry.

    def value(key: tuple) -> int | None:
        return None if key in hidden else arcs[key][2]

    rows, cols = len(table), len(table[0]) if table else 0
    return SuppressedTable(
        cells=[[value(("cell", i, j)) for j in range(cols)] for i in range(rows)],
        row_totals=[value(("row", i)) for i in range(rows)],
        column_totals=[value(("col", j)) for j in range(cols)],
        total=value(("total",)),
    )
