"""The loader's id lookup: the row of each rating's scorecard, -1 for an id not loaded."""

import numpy as np
import psycopg
import pytest
from django.db import connection, transaction

from scoring.calibration.inputs import _RATING_ALIGNED as RATING_ALIGNED
from scoring.reports import selectors
from scoring.reports.selectors import CalibrationScope, _rows_of, calibration_inputs_load
from scoring.scorecards.models import CriterionRating
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
    monkeypatch.setattr(selectors, "_packs_in_one_column", lambda: False)
    two = calibration_inputs_load(scope=CalibrationScope())

    assert one.rating.size > 100
    # Ratings come in no particular order: compare them sorted by (session, criterion).
    one_order = np.lexsort((one.criterion, one.session))
    two_order = np.lexsort((two.criterion, two.session))
    for name in RATING_ALIGNED:
        first, second = getattr(one, name)[one_order], getattr(two, name)[two_order]
        assert first.tolist() == second.tolist(), name
    assert one.card_interviewer.tolist() == two.card_interviewer.tolist()


@pytest.mark.django_db(transaction=True)
def test_the_ratings_read_on_a_second_connection_agree_with_one_connection() -> None:
    # Outside a transaction the loader reads the ratings on a connection of its own, in a thread,
    # in the snapshot of its own transaction; inside one, everything on Django's connection.
    synthetic_hiring_data(candidates=12, interviewers=8, seed=5)
    assert not connection.in_atomic_block
    two_connections = calibration_inputs_load(scope=CalibrationScope())
    with transaction.atomic():
        one_connection = calibration_inputs_load(scope=CalibrationScope())

    assert two_connections.rating.size > 100
    first = np.lexsort((two_connections.criterion, two_connections.session))
    second = np.lexsort((one_connection.criterion, one_connection.session))
    for name in RATING_ALIGNED:
        got = getattr(two_connections, name)[first].tolist()
        assert got == getattr(one_connection, name)[second].tolist(), name
    for name in ("card_interviewer", "card_loop", "card_recommendation", "decision_loop"):
        assert getattr(two_connections, name).tolist() == getattr(one_connection, name).tolist()


@pytest.mark.django_db(transaction=True)
def test_the_second_connection_sees_the_exported_snapshot_not_later_commits() -> None:
    synthetic_hiring_data(candidates=6, interviewers=8, seed=7)
    table = CriterionRating._meta.db_table
    count_sql = f"SELECT count(*) FROM {table}"
    params = connection.get_connection_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        cursor.execute(count_sql)
        (before,) = cursor.fetchone()
        # Another client deletes ratings and commits while the snapshot is held.
        with psycopg.connect(**params, autocommit=True) as other:
            deleted = other.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} LIMIT 5)"
            ).rowcount
        assert deleted == 5

        def count(side):
            return side.execute(count_sql).fetchone()[0]

        assert selectors._in_snapshot(params, snapshot, count) == before
    assert CriterionRating.objects.count() == before - 5


@pytest.mark.django_db(transaction=True)
def test_a_second_connection_that_cannot_be_opened_reads_the_ratings_on_the_first(
    monkeypatch,
) -> None:
    synthetic_hiring_data(candidates=12, interviewers=8, seed=5)
    with transaction.atomic():
        expected = calibration_inputs_load(scope=CalibrationScope())
    # A port nothing listens on: the side connection is refused for real.
    params = {**connection.get_connection_params(), "port": 1, "connect_timeout": 2}
    monkeypatch.setattr(connection, "get_connection_params", lambda: params)

    loaded = calibration_inputs_load(scope=CalibrationScope())

    first = np.lexsort((loaded.criterion, loaded.session))
    second = np.lexsort((expected.criterion, expected.session))
    for name in RATING_ALIGNED:
        assert getattr(loaded, name)[first].tolist() == getattr(expected, name)[second].tolist()
