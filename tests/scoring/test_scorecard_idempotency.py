"""Idempotency-Key on scorecard POSTs: a retry replays, another body with the same key is a 409."""

import pytest

from core.models import IdempotencyRecord
from scoring.scorecards.models import Scorecard, ScorecardRevision
from tests.factories import rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


def test_same_key_and_body_replays_the_first_response_and_creates_nothing(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)

    first = client.post(SCORECARDS_URL, plan.body(), format="json", HTTP_IDEMPOTENCY_KEY="sc-1")
    again = client.post(SCORECARDS_URL, plan.body(), format="json", HTTP_IDEMPOTENCY_KEY="sc-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Scorecard.objects.count() == 1


def test_same_key_with_another_body_is_a_409(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    client.post(SCORECARDS_URL, plan.body(), format="json", HTTP_IDEMPOTENCY_KEY="sc-1")

    response = client.post(
        SCORECARDS_URL,
        plan.body(summary="A different summary."),
        format="json",
        HTTP_IDEMPOTENCY_KEY="sc-1",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Scorecard.objects.get().summary == "Clear reasoning about metrics."


def test_refused_request_does_not_use_up_its_key(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)

    refused = client.post(
        SCORECARDS_URL, plan.body(ratings=[]), format="json", HTTP_IDEMPOTENCY_KEY="sc-1"
    )
    accepted = client.post(SCORECARDS_URL, plan.body(), format="json", HTTP_IDEMPOTENCY_KEY="sc-1")

    assert refused.status_code == 400
    assert accepted.status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


def test_keys_belong_to_their_user(interviewer, other_interviewer, client_for):
    mine = rated_session(interviewers=[interviewer])
    theirs = rated_session(interviewers=[other_interviewer], loop=mine.loop)

    a = client_for(interviewer).post(
        SCORECARDS_URL, mine.body(), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    b = client_for(other_interviewer).post(
        SCORECARDS_URL, theirs.body(), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_retried_amend_records_one_revision(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    card_id = client.post(SCORECARDS_URL, plan.body(), format="json").json()["id"]
    amend = {"reason": "Mixed up two candidates.", "overall_recommendation": "no"}

    first = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/", amend, format="json", HTTP_IDEMPOTENCY_KEY="am-1"
    )
    again = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/", amend, format="json", HTTP_IDEMPOTENCY_KEY="am-1"
    )

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert ScorecardRevision.objects.count() == 1


def test_idempotent_create_stays_within_its_query_budget(
    interviewer, client_for, django_assert_max_num_queries
):
    plan = rated_session(interviewers=[interviewer], questions=6, criteria_per_question=5)
    client = client_for(interviewer)

    # 4 for the scorecard (test_scorecard_create.py), 4 for the key: its insert and response, and
    # (as the test runs in a transaction) a savepoint and its release. Room for two more.
    with django_assert_max_num_queries(10):
        response = client.post(
            SCORECARDS_URL, plan.body(), format="json", HTTP_IDEMPOTENCY_KEY="sc-30"
        )

    assert response.status_code == 201
