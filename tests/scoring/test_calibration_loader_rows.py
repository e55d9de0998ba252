"""The loader's id lookup: the row of each rating's scorecard, -1 for an id not loaded."""

import numpy as np

from scoring.reports.selectors import _rows_of


def test_dense_ids_use_the_lookup_table_and_agree_with_sorting() -> None:
    ids = np.array([5, 3, 9])
    wanted = np.array([3, 9, 4, 10, 5, 11])
    assert _rows_of(ids, wanted).tolist() == [1, 2, -1, -1, 0, -1]


def test_sparse_or_lower_ids_fall_back_to_a_sorted_search() -> None:
    ids = np.array([5, 3, 9, 100_000_000])
    wanted = np.array([3, 9, 4, 100_000_000, 1, 200_000_000])
    assert _rows_of(ids, wanted).tolist() == [1, 2, -1, 3, -1, -1]
    assert _rows_of(np.array([7, 8]), np.array([1, 8])).tolist() == [-1, 1]
    assert _rows_of(np.zeros(0, dtype=np.int64), np.array([1])).tolist() == [-1]
