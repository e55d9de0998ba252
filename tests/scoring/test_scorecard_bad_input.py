"""Every bad scorecard request gets a 4xx in the error shape, naming the field to change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from interviews.models import Loop
from scoring.scorecards.models import Scorecard
from tests.factories import RatedSession, RubricCriterionFactory, rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    client: APIClient
    plan: RatedSession
    other_plan: RatedSession  # a session of the same loop where the client is not an interviewer

    def post(self, body, **extra):
        return self.client.post(SCORECARDS_URL, body, format="json", **extra)

    def post_raw(self, raw: str | bytes):
        return self.client.generic("POST", SCORECARDS_URL, raw, content_type="application/json")

    def submitted_scorecard_id(self) -> int:
        response = self.post(self.plan.body())
        assert response.status_code == 201, response.json()
        return response.json()["id"]


@pytest.fixture
def scene(interviewer, other_interviewer, client_for) -> Scene:
    plan = rated_session(interviewers=[interviewer])
    other_plan = rated_session(interviewers=[other_interviewer], loop=plan.loop)
    return Scene(client=client_for(interviewer), plan=plan, other_plan=other_plan)


def _rating(scene: Scene, index: int, value) -> dict:
    ratings = scene.plan.ratings()
    ratings[index]["rating"] = value
    return scene.plan.body(ratings=ratings)


def _loop_status(status: str) -> Callable[[Scene], object]:
    def request(scene: Scene):
        Loop.objects.filter(pk=scene.plan.loop.pk).update(status=status)
        return scene.post(scene.plan.body())

    return request


def _retired_criterion(scene: Scene):
    RubricCriterionFactory(question=scene.plan.questions[0], order=99, is_active=False)
    retired = scene.plan.questions[0].criteria.get(is_active=False)
    return scene.post(scene.plan.body(ratings=[{"criterion": retired.pk, "rating": 2}]))


def _patch_after_submit(scene: Scene):
    scorecard_id = scene.submitted_scorecard_id()
    return scene.client.patch(f"{SCORECARDS_URL}{scorecard_id}/", {"summary": "x"}, format="json")


def _submit_twice(scene: Scene):
    scorecard_id = scene.submitted_scorecard_id()
    return scene.client.post(f"{SCORECARDS_URL}{scorecard_id}/submit/")


def _create_twice(scene: Scene):
    scene.submitted_scorecard_id()
    return scene.post(scene.plan.body(submit=False))


def _draft_then(scene: Scene, ratings_count: int):
    """A draft rating only the first `ratings_count` criteria, then submitted."""
    body = scene.plan.body(submit=False, ratings=scene.plan.ratings()[:ratings_count])
    scorecard_id = scene.post(body).json()["id"]
    return scene.client.post(f"{SCORECARDS_URL}{scorecard_id}/submit/")


# name -> (request, status, code, field the error names)
CASES: dict[str, tuple[Callable[[Scene], object], int, str, str | None]] = {
    "unknown session": (
        lambda s: s.post(s.plan.body(session=999_999)),
        400,
        "unknown_session",
        "session",
    ),
    "session as a string": (
        lambda s: s.post(s.plan.body(session=str(s.plan.session.pk))),
        400,
        "validation_error",
        "session",
    ),
    "criterion of another question": (
        lambda s: s.post(
            s.plan.body(ratings=[*s.plan.ratings(), s.other_plan.ratings()[0]], submit=False)
        ),
        400,
        "validation_error",
        "ratings.4.criterion",
    ),
    "unknown criterion": (
        lambda s: s.post(s.plan.body(ratings=[{"criterion": 987_654, "rating": 2}])),
        400,
        "validation_error",
        "ratings.0.criterion",
    ),
    "criterion id too large for the database": (
        lambda s: s.post(s.plan.body(ratings=[{"criterion": 2**70, "rating": 2}])),
        400,
        "validation_error",
        "ratings.0.criterion",
    ),
    "retired criterion": (_retired_criterion, 400, "validation_error", "ratings.0.criterion"),
    "criterion twice": (
        lambda s: s.post(s.plan.body(ratings=[*s.plan.ratings(), s.plan.ratings()[0]])),
        400,
        "validation_error",
        "ratings.4.criterion",
    ),
    "rating 5": (lambda s: s.post(_rating(s, 1, 5)), 400, "validation_error", "ratings.1.rating"),
    "rating -1": (lambda s: s.post(_rating(s, 0, -1)), 400, "validation_error", "ratings.0.rating"),
    "rating '3' as a string": (
        lambda s: s.post(_rating(s, 2, "3")),
        400,
        "validation_error",
        "ratings.2.rating",
    ),
    "rating 2.5": (
        lambda s: s.post(_rating(s, 3, 2.5)),
        400,
        "validation_error",
        "ratings.3.rating",
    ),
    "rating 2.0": (
        lambda s: s.post(_rating(s, 3, 2.0)),
        400,
        "validation_error",
        "ratings.3.rating",
    ),
    "rating true": (
        lambda s: s.post(_rating(s, 0, True)),
        400,
        "validation_error",
        "ratings.0.rating",
    ),
    "rating null": (
        lambda s: s.post(_rating(s, 0, None)),
        400,
        "validation_error",
        "ratings.0.rating",
    ),
    "rating missing": (
        lambda s: s.post(s.plan.body(ratings=[{"criterion": s.plan.criteria[0].pk}])),
        400,
        "validation_error",
        "ratings.0.rating",
    ),
    "ratings not a list": (
        lambda s: s.post(s.plan.body(ratings={"criterion": 1})),
        400,
        "validation_error",
        "ratings.non_field_errors",
    ),
    "missing ratings on submit": (
        lambda s: s.post(s.plan.body(ratings=s.plan.ratings()[:3])),
        400,
        "scorecard_incomplete",
        "ratings",
    ),
    "missing ratings on the submit endpoint": (
        lambda s: _draft_then(s, ratings_count=1),
        400,
        "scorecard_incomplete",
        "ratings",
    ),
    "missing recommendation on submit": (
        lambda s: s.post(s.plan.body(overall_recommendation="")),
        400,
        "scorecard_incomplete",
        "overall_recommendation",
    ),
    "unknown recommendation": (
        lambda s: s.post(s.plan.body(overall_recommendation="maybe")),
        400,
        "validation_error",
        "overall_recommendation",
    ),
    "not an interviewer of the session": (
        lambda s: s.post(s.other_plan.body()),
        403,
        "not_session_interviewer",
        "session",
    ),
    "loop not scheduled (draft)": (_loop_status("draft"), 409, "loop_not_scheduled", "session"),
    "loop not scheduled (cancelled)": (
        _loop_status("cancelled"),
        409,
        "loop_not_scheduled",
        "session",
    ),
    "loop not scheduled (completed)": (
        _loop_status("completed"),
        409,
        "loop_not_scheduled",
        "session",
    ),
    "a second scorecard for the session": (_create_twice, 409, "scorecard_exists", "session"),
    "submitting twice": (_submit_twice, 409, "scorecard_already_submitted", "status"),
    "PATCH after submit": (_patch_after_submit, 409, "scorecard_already_submitted", "status"),
    "malformed JSON": (
        lambda s: s.post_raw('{"session": 1, "ratings": ['),
        400,
        "malformed_request",
        None,
    ),
    "an empty body": (lambda s: s.post_raw(""), 400, "validation_error", "session"),
    "a JSON list instead of an object": (
        lambda s: s.post_raw("[1, 2]"),
        400,
        "validation_error",
        "non_field_errors",
    ),
    "a body of 5 MB": (
        lambda s: s.post_raw('{"summary": "' + "x" * (5 * 1024 * 1024) + '"}'),
        413,
        "request_too_large",
        None,
    ),
    "an Idempotency-Key too long": (
        lambda s: s.post(s.plan.body(), HTTP_IDEMPOTENCY_KEY="k" * 300),
        400,
        "validation_error",
        "Idempotency-Key",
    ),
}

WRITE_A_SCORECARD_FIRST = {
    "submitting twice",
    "PATCH after submit",
    "a second scorecard for the session",
    "missing ratings on the submit endpoint",
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_scorecard_request_is_refused_naming_the_field(scene, case):
    request, status, code, field = CASES[case]
    scorecards_before = Scorecard.objects.count()

    response = request(scene)

    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert len(body["message"]) > 10
    if field is None:
        assert body["fields"] == {}
    else:
        assert field in body["fields"], body
        assert all(isinstance(m, str) and m for m in body["fields"][field])
    if case not in WRITE_A_SCORECARD_FIRST:
        assert Scorecard.objects.count() == scorecards_before


def test_rating_errors_say_which_numbers_are_allowed(scene):
    response = scene.post(_rating(scene, 0, "3"))
    assert response.json()["fields"] == {
        "ratings.0.rating": ["Send a whole number, not a string, decimal or boolean."]
    }

    response = scene.post(_rating(scene, 0, 5))
    assert response.json()["fields"] == {
        "ratings.0.rating": [
            "Ratings run from 0 (not addressed) to 4 (exceptional): send a whole number 0-4."
        ]
    }


def test_patch_after_submit_says_to_amend(scene):
    response = _patch_after_submit(scene)

    assert response.status_code == 409
    assert "/amend/" in response.json()["message"]


def test_missing_ratings_are_listed_by_criterion(scene):
    response = scene.post(scene.plan.body(ratings=scene.plan.ratings()[:2]))

    missing = ", ".join(str(c.pk) for c in scene.plan.criteria[2:])
    assert response.json()["fields"]["ratings"] == [
        "Rate every active criterion of the session's questions before submitting; missing "
        f"criteria: {missing}."
    ]
