"""Erasure racing other writes, on real PostgreSQL: committed transactions, one thread (and
connection) per request, each certainly blocked inside its transaction before either goes on
(the pattern of tests/scoring/test_scorecard_concurrency.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from core.models import AuditEvent
from interviews.models import Candidate
from privacy.services import ERASED
from scoring.scorecards.models import Scorecard
from tests.factories import CandidateFactory, LoopFactory, rated_session
from tests.locks import row_locked, wait_for_blocked
from tests.privacy.privacy_helpers import places_holding

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Racing summary about Quintessa: calm under pressure"
NOTE = "Racing note: Quintessa asked about the on-call rota"


def _in_thread(results: dict, name: str, call) -> threading.Thread:
    def run() -> None:
        try:
            response = call()
            results[name] = (response.status_code, response.json())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("submit", [True, False], ids=["submitted", "draft"])
@pytest.mark.parametrize("first", ["submission", "erasure"])
def test_erasing_while_a_scorecard_is_written_ends_consistent(
    first, submit, interviewer, other_interviewer, admin_user, client_for
):
    """A submission or a draft racing the erasure: either it commits first and is erased with
    the rest, or it is refused; never a text written after the erasure's rewrites."""
    candidate = CandidateFactory(name="Quintessa Varga", email="quintessa@example.net")
    loop = LoopFactory(candidate=candidate)
    plan = rated_session(interviewers=[interviewer], loop=loop)
    rated_session(interviewers=[other_interviewer], loop=loop)  # keeps the loop scheduled
    ratings = [dict(r, note=NOTE) for r in plan.ratings()]
    body = plan.body(summary=SUMMARY, ratings=ratings, submit=submit)
    submitter, eraser = client_for(interviewer), client_for(admin_user)
    calls = {
        "submission": lambda: submitter.post(
            "/api/v1/scorecards/", body, format="json", HTTP_IDEMPOTENCY_KEY="race"
        ),
        "erasure": lambda: eraser.post(
            f"/api/v1/candidates/{candidate.pk}/erase/", {"reason": "Asked."}, format="json"
        ),
    }
    second = "erasure" if first == "submission" else "submission"
    results: dict = {}

    with row_locked("interviews_loop", loop.pk) as blocker:
        threads = [_in_thread(results, first, calls[first])]
        wait_for_blocked(blocker, count=1)
        threads.append(_in_thread(results, second, calls[second]))
        wait_for_blocked(blocker, count=2)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()

    assert results["erasure"][0] == 200
    assert Candidate.objects.get(pk=candidate.pk).erased_at is not None
    status, answer = results["submission"]
    if status == 201:
        # Committed before the erasure's rewrites: erased with the rest.
        assert Scorecard.objects.get(pk=answer["id"]).summary == ERASED
    else:
        # The erasure committed first: refused, nothing written.
        assert (status, answer["code"]) == (409, "candidate_erased")
        assert not Scorecard.objects.filter(loop=loop).exists()
    assert places_holding([SUMMARY, NOTE, "Quintessa Varga", "quintessa@example.net"]) == []


def test_two_erasures_at_once_erase_once_with_one_erased_at(admin_user, client_for):
    candidate = CandidateFactory(name="Quintessa Varga", email="quintessa@example.net")
    results: dict = {}
    url = f"/api/v1/candidates/{candidate.pk}/erase/"

    with row_locked("interviews_candidate", candidate.pk) as blocker:
        threads = [
            _in_thread(
                results, name, lambda: client_for(admin_user).post(url, {"reason": "Asked."})
            )
            for name in ("a", "b")
        ]
        wait_for_blocked(blocker, count=2)
    for thread in threads:
        thread.join(timeout=30)

    assert results["a"] == results["b"]
    assert results["a"][0] == 200
    assert AuditEvent.objects.filter(action="candidate.erased").count() == 1
