"""Races on real PostgreSQL: committed transactions, one thread (and connection) per request.

Each test holds the loop's row lock from a separate connection so that both requests are
certainly in flight, blocked inside their transactions, before either may go on.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, connections

from core.models import IdempotencyRecord
from interviews.models import Loop
from scoring.scorecards.models import Scorecard
from tests.factories import rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db(transaction=True)


def _dsn() -> str:
    s = connection.settings_dict
    return (
        f"dbname={s['NAME']} user={s['USER']} password={s['PASSWORD']} "
        f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432}"
    )


@contextmanager
def loop_locked(loop_id: int):
    """Hold the loop row lock in another connection until the block ends."""
    with psycopg.connect(_dsn()) as blocker:
        blocker.execute("SELECT id FROM interviews_loop WHERE id = %s FOR UPDATE", [loop_id])
        yield blocker
        blocker.rollback()


def _wait_for_blocked(blocker, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Statistics views are snapshotted once per transaction: drop the snapshot each time.
        blocker.execute("SELECT pg_stat_clear_snapshot()")
        waiting = blocker.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.02)
    rows = blocker.execute(
        "SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity "
        "WHERE datname = current_database()"
    ).fetchall()
    raise AssertionError(f"expected {count} requests waiting on a lock, saw {waiting}: {rows}")


def _post_concurrently(requests: list[tuple[object, dict, str]], loop_id: int) -> list:
    """POST each (client, body, key) from its own thread while the loop is locked."""
    results: list = [None] * len(requests)

    def run(index: int, client, body: dict, key: str) -> None:
        try:
            response = client.post(SCORECARDS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
            results[index] = (response.status_code, response.json())
        finally:
            connections.close_all()

    with loop_locked(loop_id) as blocker:
        threads = [
            threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)
        ]
        for thread in threads:
            thread.start()
        _wait_for_blocked(blocker, count=len(requests))
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return results


def test_two_threads_with_the_same_idempotency_key_create_one_scorecard(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    body = plan.body()

    results = _post_concurrently(
        [(client_for(interviewer), body, "same-key"), (client_for(interviewer), body, "same-key")],
        plan.loop.pk,
    )

    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    assert Scorecard.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_two_threads_writing_one_session_get_one_201_and_one_409(
    interviewer, other_interviewer, client_for
):
    plan = rated_session(interviewers=[interviewer])
    rated_session(interviewers=[other_interviewer], loop=plan.loop)  # keeps the loop open

    results = _post_concurrently(
        [
            (client_for(interviewer), plan.body(), "key-a"),
            (client_for(interviewer), plan.body(summary="Second try."), "key-b"),
        ],
        plan.loop.pk,
    )

    assert sorted(status for status, _ in results) == [201, 409]
    refused = next(body for status, body in results if status == 409)
    assert refused["code"] == "scorecard_exists"
    assert "session" in refused["fields"]
    assert Scorecard.objects.count() == 1


def test_last_two_scorecards_submitted_at_once_complete_the_loop(
    interviewer, other_interviewer, client_for
):
    first = rated_session(interviewers=[interviewer])
    second = rated_session(interviewers=[other_interviewer], loop=first.loop)

    results = _post_concurrently(
        [
            (client_for(interviewer), first.body(), "a"),
            (client_for(other_interviewer), second.body(), "b"),
        ],
        first.loop.pk,
    )

    assert [status for status, _ in results] == [201, 201]
    assert Loop.objects.get(pk=first.loop.pk).status == Loop.Status.COMPLETED
