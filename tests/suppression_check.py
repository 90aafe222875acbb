"""An attacker's view of a suppressed table, for tests: can a hidden figure be worked out?"""
from __future__ import annotations

from collections.abc import Sequence

from app.services.statistics.suppression import SuppressedTable


def alternative_exists(true: Sequence[Sequence[int]], shown: SuppressedTable, target: tuple,
                       limit: int = 500_000) -> bool:
    """Whether some table other than `true` matches everything shown and differs at `target`.

    The attacker knows every shown cell and total, and that hidden entries are at least 1 (zeros
    are never hidden). `target` is ("cell", i, j), ("row", i), ("col", j) or ("total",). The
    search fills the hidden cells that make up the target first, checks every row, column and
    total as soon as it is complete, and tries values nearest the true ones first."""
    rows, cols = len(true), len(true[0]) if true else 0
    hidden = [(i, j) for i in range(rows) for j in range(cols) if shown.cells[i][j] is None]
    kind = target[0]
    if kind == "cell":
        part_of = {(target[1], target[2])}
    elif kind == "row":
        part_of = {(target[1], j) for j in range(cols)}
    elif kind == "col":
        part_of = {(i, target[1]) for i in range(rows)}
    else:
        part_of = {(i, j) for i in range(rows) for j in range(cols)}
    hidden.sort(key=lambda c: (c not in part_of, c))
    target_cells = [c for c in hidden if c in part_of]
    if not target_cells:
        return False  # every part of the target is shown: it is known
    last_target = hidden.index(target_cells[-1])
    true_target = sum(true[i][j] for i, j in part_of)

    grid = [[true[i][j] if shown.cells[i][j] is not None else 0 for j in range(cols)] for i in range(rows)]
    position = {c: k for k, c in enumerate(hidden)}
    row_done = [max([position[(i, j)] for j in range(cols) if (i, j) in position], default=-1) for i in range(rows)]
    col_done = [max([position[(i, j)] for i in range(rows) if (i, j) in position], default=-1) for j in range(cols)]
    bound = sum(map(sum, true)) + 3
    steps = 0

    def line_ok(total: int, shown_total: int | None) -> bool:
        return total == shown_total if shown_total is not None else total >= 1

    def ok_after(k: int) -> bool:
        i, j = hidden[k]
        if row_done[i] == k and not line_ok(sum(grid[i]), shown.row_totals[i]):
            return False
        if col_done[j] == k and not line_ok(sum(grid[r][j] for r in range(rows)), shown.column_totals[j]):
            return False
        if shown.row_totals[i] is not None and sum(grid[i]) > shown.row_totals[i]:
            return False
        if shown.column_totals[j] is not None and sum(grid[r][j] for r in range(rows)) > shown.column_totals[j]:
            return False
        if k == last_target and sum(grid[a][b] for a, b in part_of) == true_target:
            return False
        if k == len(hidden) - 1:
            return line_ok(sum(map(sum, grid)), shown.total)
        return True

    def search(k: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > limit:
            raise AssertionError("search too long: make the test table smaller")
        if k == len(hidden):
            return True
        i, j = hidden[k]
        centre = true[i][j]
        for value in sorted(range(1, bound), key=lambda v: (abs(v - centre), v)):
            grid[i][j] = value
            if ok_after(k) and search(k + 1):
                return True
        grid[i][j] = 0
        return False

    return search(0)


def primary_entries(true: Sequence[Sequence[int]], threshold: int) -> list[tuple]:
    """Every entry (cell or total) from 1 to threshold - 1."""
    rows, cols = len(true), len(true[0]) if true else 0
    entries = [(("cell", i, j), true[i][j]) for i in range(rows) for j in range(cols)]
    entries += [(("row", i), sum(true[i])) for i in range(rows)]
    entries += [(("col", j), sum(true[i][j] for i in range(rows))) for j in range(cols)]
    entries.append((("total",), sum(map(sum, true))))
    return [key for key, value in entries if 0 < value < threshold]
