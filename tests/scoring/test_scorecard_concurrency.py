"""Races on real PostgreSQL: committed transactions, one thread (and connection) per request.

Each test holds the loop's row lock from a separate connection so that both requests are
certainly in flight, blocked inside their transactions, before either may go on.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from core.models import IdempotencyRecord
from interviews.models import Loop
from scoring.scorecards.models import Scorecard
from tests.factories import rated_session
from tests.locks import row_locked, wait_for_blocked

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db(transaction=True)


def _post_concurrently(requests: list[tuple[object, dict, str]], loop_id: int) -> list:
    """POST each (client, body, key) from its own thread while the loop is locked."""
    results: list = [None] * len(requests)

    def run(index: int, client, body: dict, key: str) -> None:
        try:
            response = client.post(SCORECARDS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
            results[index] = (response.status_code, response.json())
        finally:
            connections.close_all()

    with row_locked("interviews_loop", loop_id) as blocker:
        threads = [
            threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)
        ]
        for thread in threads:
            thread.start()
        wait_for_blocked(blocker, count=len(requests))
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
