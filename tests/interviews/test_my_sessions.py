"""GET /api/v1/me/sessions/: the interviewer's kit."""

import pytest

from questionbank.models import Question, RubricCriterion
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def _mine(body, user):
    return [s for s in body["sessions"] if user.pk in s["interviewers"]]


def test_interviewer_gets_their_sessions_with_prompt_hint_and_active_rubric(
    generate, client_for, interviewer_pool, candidate
):
    loop = generate().json()
    user = next(u for u in interviewer_pool if _mine(loop, u))
    session = _mine(loop, user)[0]
    first = Question.objects.get(pk=session["questions"][0]["question"])
    retired = first.criteria.order_by("order").first()
    retired.is_active = False
    retired.save()

    response = client_for(user).get("/api/v1/me/sessions/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1
    kit = results[0]
    assert {k: kit[k] for k in ("id", "loop", "loop_status", "candidate", "order")} == {
        "id": session["id"],
        "loop": loop["id"],
        "loop_status": "draft",
        "candidate": {"id": candidate.pk, "name": "Cora Candidate"},
        "order": session["order"],
    }
    assert "email" not in kit["candidate"]
    question = kit["questions"][0]
    assert question["question"] == first.pk
    assert question["prompt"] == first.prompt
    assert question["hint"] == first.hint
    assert question["slug"] == first.slug
    assert question["competencies"] == sorted(first.competencies.values_list("slug", flat=True))
    assert question["rubric"] == [
        {"id": c.pk, "order": c.order, "text": c.text, "weight": c.weight}
        for c in RubricCriterion.objects.filter(question=first, is_active=True).order_by("order")
    ]
    assert retired.pk not in [c["id"] for c in question["rubric"]]


def test_cancelled_loops_leave_the_kit(generate, client_for, hiring_manager, interviewer_pool):
    loop = generate().json()
    user = next(u for u in interviewer_pool if _mine(loop, u))
    client_for(hiring_manager).post(f"/api/v1/loops/{loop['id']}/cancel/")
    assert client_for(user).get("/api/v1/me/sessions/").json()["results"] == []


def test_someone_with_no_sessions_gets_an_empty_kit(client_for, outsider):
    assert client_for(outsider).get("/api/v1/me/sessions/").json()["results"] == []


def test_anonymous_gets_401(anonymous_client):
    assert anonymous_client.get("/api/v1/me/sessions/").status_code == 401


def test_kit_query_count_does_not_grow_with_sessions(
    generate, client_for, interviewer_pool, django_assert_max_num_queries
):
    user = interviewer_pool[0]
    for seed in range(6):
        generate(
            candidate=CandidateFactory().pk,
            seed=seed,
            interviewers=[u.pk for u in interviewer_pool[:4]],
        )
    client = client_for(user)
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/me/sessions/", {"page_size": 200}).json()
    assert body["count"] == 6
    assert all(q["rubric"] for s in body["results"] for q in s["questions"])
