"""Amending a submitted scorecard keeps what it said before, who changed it, when and why."""

from datetime import datetime

import pytest

from core.models import AuditEvent
from interviews.models import Loop
from scoring.scorecards.models import Scorecard, ScorecardRevision
from tests.factories import rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    response = client.post(SCORECARDS_URL, plan.body(), format="json")
    assert response.status_code == 201
    return plan, client, response.json()["id"]


def test_amend_records_the_previous_version_and_bumps_the_revision(submitted, interviewer):
    plan, client, card_id = submitted
    ratings = plan.ratings(rating=1)

    response = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/",
        {
            "reason": "Scored the wrong candidate.",
            "overall_recommendation": "no",
            "ratings": ratings,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["revision"] == 2
    assert body["status"] == "submitted"
    assert body["overall_recommendation"] == "no"
    assert {r["rating"] for r in body["ratings"]} == {1}

    history = client.get(f"{SCORECARDS_URL}{card_id}/history/").json()
    assert history["count"] == 1
    entry = history["results"][0]
    assert datetime.fromisoformat(entry.pop("amended_at")).tzinfo is not None
    assert entry == {
        "revision": 1,
        "amended_by": interviewer.pk,
        "reason": "Scored the wrong candidate.",
        "previous": {
            "overall_recommendation": "yes",
            "summary": "Clear reasoning about metrics.",
            "ratings": [
                {"criterion": c.pk, "question": c.question_id, "rating": 3, "note": ""}
                for c in plan.criteria
            ],
        },
        "author_could_read_peers": False,
    }


def test_amendment_is_written_to_the_audit_trail(submitted, interviewer):
    _, client, card_id = submitted

    client.post(
        f"{SCORECARDS_URL}{card_id}/amend/",
        {"reason": "Typo in the summary.", "summary": "Clear reasoning about metrics!"},
        format="json",
    )

    event = AuditEvent.objects.get(action="scorecard.amended")
    assert event.actor == interviewer
    assert (event.target_type, event.target_id) == ("scoring.scorecard", str(card_id))
    assert event.changes == {
        "revision": [1, 2],
        "reason": "Typo in the summary.",
        "fields": ["summary"],
    }


def test_each_amendment_adds_one_revision_in_order(submitted):
    _, client, card_id = submitted
    url = f"{SCORECARDS_URL}{card_id}/amend/"

    client.post(url, {"reason": "first", "summary": "one"}, format="json")
    client.post(url, {"reason": "second", "summary": "two"}, format="json")

    history = client.get(f"{SCORECARDS_URL}{card_id}/history/").json()["results"]
    assert [(h["revision"], h["reason"], h["previous"]["summary"]) for h in history] == [
        (1, "first", "Clear reasoning about metrics."),
        (2, "second", "one"),
    ]
    assert Scorecard.objects.get(pk=card_id).revision == 3


def test_amend_is_allowed_after_the_loop_completed(submitted):
    plan, client, card_id = submitted
    assert Loop.objects.get(pk=plan.loop.pk).status == Loop.Status.COMPLETED

    response = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/", {"reason": "late note", "summary": "x"}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"summary": "no reason"}, 400, "validation_error", "reason"),
        ({"reason": "  ", "summary": "x"}, 400, "validation_error", "reason"),
        ({"reason": "nothing"}, 400, "amendment_changes_nothing", "non_field_errors"),
        (
            {"reason": "same", "overall_recommendation": "yes"},
            400,
            "amendment_changes_nothing",
            "non_field_errors",
        ),
        (
            {"reason": "x", "overall_recommendation": ""},
            400,
            "validation_error",
            "overall_recommendation",
        ),
        ({"reason": "x", "ratings": []}, 400, "scorecard_incomplete", "ratings"),
        (
            {"reason": "x", "ratings": [{"criterion": 1, "rating": 2.5}]},
            400,
            "validation_error",
            "ratings.0.rating",
        ),
    ],
    ids=[
        "no reason",
        "blank reason",
        "nothing to change",
        "same recommendation",
        "recommendation removed",
        "ratings removed",
        "decimal rating",
    ],
)
def test_bad_amendment_is_refused_and_records_nothing(submitted, body, status, code, field):
    _, client, card_id = submitted

    response = client.post(f"{SCORECARDS_URL}{card_id}/amend/", body, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert ScorecardRevision.objects.count() == 0
    assert Scorecard.objects.get(pk=card_id).revision == 1


def test_a_draft_is_not_amended(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    card_id = client.post(SCORECARDS_URL, plan.body(submit=False), format="json").json()["id"]

    response = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/", {"reason": "x", "summary": "y"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "scorecard_not_submitted"


def test_amend_of_a_cancelled_loop_is_refused(submitted):
    plan, client, card_id = submitted
    Loop.objects.filter(pk=plan.loop.pk).update(status=Loop.Status.CANCELLED)

    response = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/", {"reason": "x", "summary": "y"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "loop_not_scheduled"


def test_admin_may_amend_and_is_recorded_as_the_amender(submitted, admin_user, client_for):
    _, _, card_id = submitted

    response = client_for(admin_user).post(
        f"{SCORECARDS_URL}{card_id}/amend/",
        {"reason": "Candidate asked for a correction.", "summary": "Corrected."},
        format="json",
    )

    assert response.status_code == 200
    assert ScorecardRevision.objects.get().amended_by == admin_user


def test_ratings_of_a_since_retired_criterion_may_be_kept(submitted):
    plan, client, card_id = submitted
    retired = plan.criteria[0]
    retired.is_active = False
    retired.save()

    response = client.post(
        f"{SCORECARDS_URL}{card_id}/amend/",
        {"reason": "Raise one rating.", "ratings": plan.ratings(rating=4)},
        format="json",
    )

    assert response.status_code == 200, response.json()
