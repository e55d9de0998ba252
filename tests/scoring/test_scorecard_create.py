from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interviews.models import Loop
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.factories import rated_session
from webhooks.selectors import webhook_subscriptions_by_event

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


def _is_iso(value: str) -> bool:
    return datetime.fromisoformat(value).tzinfo is not None


def test_interviewer_saves_a_draft_and_gets_the_whole_scorecard_back(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    first, second = plan.criteria[:2]

    response = client_for(interviewer).post(
        SCORECARDS_URL,
        {
            "session": plan.session.pk,
            "summary": "Half way through my notes.",
            "ratings": [
                {"criterion": first.pk, "rating": 4, "note": "named the metric"},
                {"criterion": second.pk, "rating": 0},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    scorecard = Scorecard.objects.get()
    assert _is_iso(body.pop("created_at")) and _is_iso(body.pop("updated_at"))
    assert body == {
        "id": scorecard.pk,
        "session": plan.session.pk,
        "loop": plan.loop.pk,
        "interviewer": interviewer.pk,
        "shadow": False,
        "status": "draft",
        "overall_recommendation": None,
        "summary": "Half way through my notes.",
        "revision": 1,
        "submitted_at": None,
        "ratings": [
            {
                "criterion": first.pk,
                "question": first.question_id,
                "rating": 4,
                "note": "named the metric",
            },
            {"criterion": second.pk, "question": second.question_id, "rating": 0, "note": ""},
        ],
    }
    assert scorecard.interviewer == interviewer
    assert CriterionRating.objects.filter(scorecard=scorecard).count() == 2


def test_interviewer_submits_a_complete_scorecard_at_once(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer], questions=3, criteria_per_question=3)

    response = client_for(interviewer).post(
        SCORECARDS_URL, plan.body(overall_recommendation="strong_yes"), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["overall_recommendation"] == "strong_yes"
    assert _is_iso(body["submitted_at"])
    assert [r["criterion"] for r in body["ratings"]] == [c.pk for c in plan.criteria]
    assert Scorecard.objects.get().status == Scorecard.Status.SUBMITTED


def test_retired_criteria_need_no_rating_to_submit(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    retired = plan.criteria.pop()
    retired.is_active = False
    retired.save()

    response = client_for(interviewer).post(SCORECARDS_URL, plan.body(), format="json")

    assert response.status_code == 201, response.json()


def test_last_submitted_scorecard_completes_the_loop(interviewer, other_interviewer, client_for):
    first = rated_session(interviewers=[interviewer])
    second = rated_session(interviewers=[other_interviewer], loop=first.loop)

    response = client_for(interviewer).post(SCORECARDS_URL, first.body(), format="json")
    assert response.status_code == 201
    first.loop.refresh_from_db()
    assert first.loop.status == Loop.Status.SCHEDULED

    response = client_for(other_interviewer).post(SCORECARDS_URL, second.body(), format="json")
    assert response.status_code == 201
    first.loop.refresh_from_db()
    assert first.loop.status == Loop.Status.COMPLETED


def test_loop_waits_for_every_interviewer_of_a_panel(interviewer, other_interviewer, client_for):
    plan = rated_session(interviewers=[interviewer, other_interviewer])

    client_for(interviewer).post(SCORECARDS_URL, plan.body(), format="json")
    client_for(other_interviewer).post(SCORECARDS_URL, plan.body(submit=False), format="json")

    plan.loop.refresh_from_db()
    assert plan.loop.status == Loop.Status.SCHEDULED


def test_submitting_thirty_ratings_takes_a_bounded_number_of_queries(
    interviewer, client_for, django_assert_max_num_queries
):
    plan = rated_session(interviewers=[interviewer], questions=6, criteria_per_question=5)
    assert len(plan.criteria) == 30
    client = client_for(interviewer)

    # 4: the token; the session, seat and rubric (under the loop's lock); the scorecard with its
    # ratings; the loop completion. Room for two more.
    with django_assert_max_num_queries(6):
        response = client.post(SCORECARDS_URL, plan.body(), format="json")

    assert response.status_code == 201
    assert CriterionRating.objects.count() == 30


def test_query_count_does_not_grow_with_the_number_of_ratings(
    interviewer, other_interviewer, client_for
):
    small = rated_session(interviewers=[interviewer], questions=1, criteria_per_question=2)
    large = rated_session(interviewers=[other_interviewer], questions=10, criteria_per_question=6)
    small_client, large_client = client_for(interviewer), client_for(other_interviewer)
    webhook_subscriptions_by_event()  # the first write after a cache clear reads them once

    with CaptureQueriesContext(connection) as few:
        assert small_client.post(SCORECARDS_URL, small.body(), format="json").status_code == 201
    with CaptureQueriesContext(connection) as many:
        assert large_client.post(SCORECARDS_URL, large.body(), format="json").status_code == 201

    assert CriterionRating.objects.count() == 2 + 60
    assert len(many.captured_queries) == len(few.captured_queries)
