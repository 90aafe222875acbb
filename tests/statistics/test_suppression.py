"""Small-cell suppression: nothing from 1 to threshold - 1 is shown, and nothing hidden can be
worked out from what is shown (checked by an exhaustive attacker on many random tables)."""
from __future__ import annotations

import random

import pytest

from app.services.statistics.suppression import MARK, show, suppress, visible_sum
from tests.suppression_check import alternative_exists, primary_entries


def shown_values(result) -> list[int]:
    values = [v for row in result.cells for v in row] + result.row_totals + result.column_totals + [result.total]
    return [v for v in values if v is not None]


def test_large_figures_are_all_shown():
    result = suppress([[10, 20], [30, 0]], 5)
    assert result.cells == [[10, 20], [30, 0]]
    assert result.row_totals == [30, 30] and result.column_totals == [40, 20] and result.total == 60
    assert result.hidden_count == 0


def test_a_lone_person_is_hidden_with_a_second_figure_in_its_row_and_column():
    #          adults children
    table = [[1, 0],     # 野迫川村
             [20, 7],    # 生駒市
             [12, 9]]    # 奈良市
    result = suppress(table, 5)
    assert result.cells[0][0] is None
    # The village's total is 1 as well: hidden, and so is a second row total.
    assert result.row_totals[0] is None
    assert sum(1 for v in result.row_totals if v is None) >= 2
    assert sum(1 for row in result.cells if row[0] is None) >= 2
    assert all(not 0 < v < 5 for v in shown_values(result))
    for target in primary_entries(table, 5):
        assert alternative_exists(table, result, target), target


def test_zeros_stay_visible_and_threshold_is_respected():
    result = suppress([[0, 0], [0, 9]], 5)
    assert result.cells == [[0, 0], [0, 9]] and result.hidden_count == 0
    result = suppress([[3, 8], [9, 9]], 3)  # threshold 3: a 3 is fine
    assert result.hidden_count == 0
    result = suppress([[2, 8], [9, 9]], 3)
    assert result.cells[0][0] is None


def test_threshold_one_hides_nothing():
    assert suppress([[1, 1], [1, 0]], 1).hidden_count == 0


def test_everything_small_is_hidden_and_the_grand_total_too():
    result = suppress([[1]], 5)
    assert result.cells == [[None]] and result.row_totals == [None] and result.column_totals == [None]
    assert result.total is None


def test_one_column_tables():
    table = [[2], [40], [30]]
    result = suppress(table, 5)
    assert result.cells[0][0] is None
    for target in primary_entries(table, 5):
        assert alternative_exists(table, result, target), target


def test_empty_and_invalid_tables():
    assert suppress([], 5).total == 0
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]], 5)
    with pytest.raises(ValueError):
        suppress([[-1]], 5)


def test_two_small_cells_in_a_line_are_not_enough_on_their_own():
    # 1 + 1 = 2 hidden in one row, with the row total shown: both would be known to be 1.
    table = [[1, 1, 30], [10, 10, 30]]
    result = suppress(table, 5)
    for target in primary_entries(table, 5):
        assert alternative_exists(table, result, target), target


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_cannot_be_unpicked(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(40):
        rows, cols = rng.randint(1, 4), rng.randint(1, 3)
        table = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(cols)] for _ in range(rows)]
        threshold = rng.choice([3, 5])
        result = suppress(table, threshold)
        assert all(not 0 < v < threshold for v in shown_values(result)), table
        # Zeros are never hidden, so the attacker may rely on hidden entries being at least 1.
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                if value == 0:
                    assert result.cells[i][j] == 0
        for target in primary_entries(table, threshold):
            assert alternative_exists(table, result, target), (table, threshold, target, result)
            checked += 1
    assert checked > 20


def test_visible_sum_and_show():
    assert visible_sum([1, 2, 3]) == 6
    assert visible_sum([1, None, 3]) is None
    assert visible_sum([]) == 0
    assert show(None) == MARK and show(0) == "0" and show(12) == "12"


def test_suppression_is_deterministic():
    table = [[1, 7, 7], [7, 1, 7], [7, 7, 1]]
    assert suppress(table, 5) == suppress([row[:] for row in table], 5)
