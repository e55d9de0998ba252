"""Drafts change in place with PATCH; POST .../submit/ submits a complete one."""

import pytest

from interviews.models import Loop
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.factories import rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    response = client.post(
        SCORECARDS_URL, plan.body(submit=False, ratings=plan.ratings()[:1]), format="json"
    )
    assert response.status_code == 201
    return plan, client, response.json()["id"]


def test_patch_changes_only_the_fields_sent(draft):
    plan, client, card_id = draft

    response = client.patch(f"{SCORECARDS_URL}{card_id}/", {"summary": "Updated."}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == "Updated."
    assert body["overall_recommendation"] == "yes"
    assert [r["criterion"] for r in body["ratings"]] == [plan.criteria[0].pk]
    assert body["status"] == "draft"


def test_patch_ratings_replace_the_drafts_ratings(draft):
    plan, client, card_id = draft
    ratings = [{"criterion": c.pk, "rating": 1, "note": "weak"} for c in plan.criteria[1:]]

    response = client.patch(f"{SCORECARDS_URL}{card_id}/", {"ratings": ratings}, format="json")

    assert response.status_code == 200
    assert response.json()["ratings"] == [
        {"criterion": c.pk, "question": c.question_id, "rating": 1, "note": "weak"}
        for c in plan.criteria[1:]
    ]
    assert CriterionRating.objects.filter(scorecard_id=card_id).count() == 3


def test_patch_null_recommendation_clears_it(draft):
    _, client, card_id = draft

    response = client.patch(
        f"{SCORECARDS_URL}{card_id}/", {"overall_recommendation": None}, format="json"
    )

    assert response.json()["overall_recommendation"] is None
    assert Scorecard.objects.get(pk=card_id).overall_recommendation == ""


def test_patch_refuses_bad_ratings_with_their_path(draft):
    _, client, card_id = draft

    response = client.patch(
        f"{SCORECARDS_URL}{card_id}/",
        {"ratings": [{"criterion": 1, "rating": "4"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ratings.0.rating"]


def test_submit_endpoint_submits_a_complete_draft_and_completes_the_loop(draft):
    plan, client, card_id = draft
    client.patch(f"{SCORECARDS_URL}{card_id}/", {"ratings": plan.ratings()}, format="json")

    response = client.post(f"{SCORECARDS_URL}{card_id}/submit/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"] is not None
    assert Loop.objects.get(pk=plan.loop.pk).status == Loop.Status.COMPLETED


def test_submit_endpoint_refuses_an_incomplete_draft_and_keeps_it(draft):
    _, client, card_id = draft

    response = client.post(f"{SCORECARDS_URL}{card_id}/submit/")

    assert response.status_code == 400
    assert response.json()["code"] == "scorecard_incomplete"
    assert Scorecard.objects.get(pk=card_id).status == Scorecard.Status.DRAFT


def test_draft_of_a_cancelled_loop_cannot_be_changed(draft):
    plan, client, card_id = draft
    Loop.objects.filter(pk=plan.loop.pk).update(status=Loop.Status.CANCELLED)

    patched = client.patch(f"{SCORECARDS_URL}{card_id}/", {"summary": "late"}, format="json")
    submitted = client.post(f"{SCORECARDS_URL}{card_id}/submit/")

    assert patched.status_code == submitted.status_code == 409
    assert patched.json()["code"] == submitted.json()["code"] == "loop_not_scheduled"


def test_submitted_scorecard_is_not_changed_by_patch(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    card_id = client.post(SCORECARDS_URL, plan.body(), format="json").json()["id"]

    response = client.patch(
        f"{SCORECARDS_URL}{card_id}/", {"overall_recommendation": "no"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["message"] == (
        f"Scorecard {card_id} has been submitted and is never changed in place; use "
        f"POST /api/v1/scorecards/{card_id}/amend/ with a reason to change it."
    )
    assert Scorecard.objects.get(pk=card_id).overall_recommendation == "yes"
