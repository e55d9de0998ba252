"""The loader's id lookup: the row of each rating's scorecard, -1 for an id not loaded."""

import numpy as np
import pytest

from scoring.calibration.inputs import _RATING_ALIGNED as RATING_ALIGNED
from scoring.reports import selectors
from scoring.reports.selectors import CalibrationScope, _rows_of, calibration_inputs_load
from tests.scoring.calibration_report_helpers import synthetic_hiring_data


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


@pytest.mark.django_db
def test_one_and_two_column_rating_packings_load_the_same_inputs(monkeypatch) -> None:
    synthetic_hiring_data(candidates=12, interviewers=8, seed=3)
    one = calibration_inputs_load(scope=CalibrationScope())
    monkeypatch.setattr(selectors, "_packs_in_one_column", lambda card_ids: False)
    two = calibration_inputs_load(scope=CalibrationScope())

    assert one.rating.size > 100
    # Ratings come in no particular order: compare them sorted by (session, criterion).
    one_order = np.lexsort((one.criterion, one.session))
    two_order = np.lexsort((two.criterion, two.session))
    for name in RATING_ALIGNED:
        first, second = getattr(one, name)[one_order], getattr(two, name)[two_order]
        assert first.tolist() == second.tolist(), name
    assert one.card_interviewer.tolist() == two.card_interviewer.tolist()
