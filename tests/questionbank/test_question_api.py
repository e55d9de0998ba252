"""Question bank reads and writes, including rubric versioning."""

import pytest

from core.models import AuditEvent
from questionbank.models import RubricCriterion
from tests.factories import CriterionRatingFactory

pytestmark = pytest.mark.django_db


def test_question_list_serves_the_whole_seed_bank(client_for, interviewer, seed_bank):
    response = client_for(interviewer).get("/api/v1/questions/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 50
    assert len(body["results"]) == 50
    first = body["results"][0]
    assert set(first) == {
        "id",
        "slug",
        "level",
        "prompt",
        "hint",
        "competencies",
        "estimated_minutes",
        "is_active",
        "rubric",
        "created_at",
        "updated_at",
    }
    assert first["level"] == "beginner"
    assert 2 <= len(first["rubric"]) <= 6
    assert set(first["rubric"][0]) == {"id", "order", "text", "weight"}


def test_questions_filter_by_level_and_competency(client_for, interviewer, seed_bank):
    client = client_for(interviewer)
    body = client.get("/api/v1/questions/?level=advanced").json()
    assert body["count"] == 10
    assert {q["level"] for q in body["results"]} == {"advanced"}
    competency = body["results"][0]["competencies"][0]
    body = client.get(f"/api/v1/questions/?competency={competency}&page_size=200").json()
    assert body["count"] >= 1
    assert all(competency in q["competencies"] for q in body["results"])


def test_search_matches_every_word_in_prompt_or_hint(client_for, interviewer, seed_bank):
    body = client_for(interviewer).get("/api/v1/questions/?search=LangSmith tracing").json()
    assert body["count"] == 1
    assert "LangSmith" in body["results"][0]["hint"]
    assert client_for(interviewer).get("/api/v1/questions/?search=zebra").json()["count"] == 0


def test_pagination_follows_page_and_page_size(client_for, interviewer, seed_bank):
    client = client_for(interviewer)
    body = client.get("/api/v1/questions/?page_size=20&page=3").json()
    assert body["count"] == 50
    assert len(body["results"]) == 10
    assert body["next"] is None
    assert "page=2" in body["previous"]
    assert len(client.get("/api/v1/questions/?page_size=1000").json()["results"]) == 50


def test_levels_show_their_active_question_counts(client_for, recruiter, seed_bank):
    body = client_for(recruiter).get("/api/v1/levels/").json()
    assert [(lv["slug"], lv["question_count"]) for lv in body["results"]] == [
        ("beginner", 5),
        ("intermediate", 10),
        ("advanced", 10),
        ("scenario-based", 10),
        ("ai-workflow-tools", 10),
        ("behavioral", 5),
    ]


def test_hiring_manager_creates_a_question_with_its_rubric(client_for, hiring_manager, seed_bank):
    body = {
        "level": "advanced",
        "prompt": "How would you pick a North Star for a two-sided marketplace?",
        "hint": "Covers both sides of the market and liquidity.",
        "competencies": ["metric-definition"],
        "estimated_minutes": 12,
        "rubric": [{"text": "Covers supply", "weight": 1.5}, {"text": "Covers demand"}],
    }
    response = client_for(hiring_manager).post("/api/v1/questions/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["slug"] == "how-would-you-pick-a-north-star-for-a-two-sided-marketplace"
    assert [(c["order"], c["text"], c["weight"]) for c in created["rubric"]] == [
        (1, "Covers supply", 1.5),
        (2, "Covers demand", 1.0),
    ]
    assert created["competencies"] == ["metric-definition"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"level": "nope"}, "level"),
        ({"rubric": []}, "rubric"),
        ({"competencies": ["not-a-competency"]}, "competencies"),
        ({"estimated_minutes": 0}, "estimated_minutes"),
        ({"estimated_minutes": 500}, "estimated_minutes"),
        ({"rubric": [{"text": "x", "weight": -1}]}, "rubric.0.weight"),
        ({"rubric": [{"text": "Same"}, {"text": "same"}]}, "rubric"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_bad_question_input_names_the_field(client_for, hiring_manager, seed_bank, change, field):
    body = {
        "level": "beginner",
        "prompt": "What is a metric?",
        "hint": "Defines it.",
        "rubric": [{"text": "Defines it"}],
        **change,
    }
    response = client_for(hiring_manager).post("/api/v1/questions/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert field in error["message"] or len(error["fields"]) > 1


def test_changing_an_unscored_rubric_replaces_it(client_for, hiring_manager, seed_bank):
    client = client_for(hiring_manager)
    before = client.get("/api/v1/questions/1/").json()["rubric"]
    rubric = [{"text": before[0]["text"], "weight": before[0]["weight"]}, {"text": "A new point"}]
    response = client.patch("/api/v1/questions/1/", {"rubric": rubric}, format="json")
    assert response.status_code == 200
    after = response.json()["rubric"]
    assert after[0]["id"] == before[0]["id"]
    assert [c["text"] for c in after] == [before[0]["text"], "A new point"]
    # Unscored criteria that left the rubric are gone, not retired.
    assert not RubricCriterion.objects.filter(question_id=1, is_active=False).exists()


def test_changing_a_scored_criterion_retires_it_and_keeps_its_scores(
    client_for, hiring_manager, seed_bank
):
    scored = RubricCriterion.objects.filter(question_id=1).order_by("order").first()
    rating = CriterionRatingFactory(criterion=scored, rating=2)
    client = client_for(hiring_manager)
    rubric = [{"text": "Defines the North Star precisely", "weight": 2.0}]
    response = client.patch("/api/v1/questions/1/", {"rubric": rubric}, format="json")
    assert response.status_code == 200
    assert [c["text"] for c in response.json()["rubric"]] == ["Defines the North Star precisely"]
    scored.refresh_from_db()
    assert scored.is_active is False
    assert scored.retired_at is not None
    rating.refresh_from_db()
    assert rating.criterion_id == scored.pk and rating.rating == 2
    event = AuditEvent.objects.get(action="question.rubric_changed")
    assert event.actor == hiring_manager
    assert event.changes["retired"] == [scored.pk]


def test_unknown_question_is_a_404_in_the_error_shape(client_for, interviewer, seed_bank):
    response = client_for(interviewer).get("/api/v1/questions/9999/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No Question matches the given query.",
        "fields": {},
    }


def test_admin_can_filter_inactive_questions(client_for, admin_user, seed_bank):
    client = client_for(admin_user)
    assert (
        client.patch("/api/v1/questions/2/", {"is_active": False}, format="json").status_code == 200
    )
    assert client.get("/api/v1/questions/?is_active=false").json()["count"] == 1
    assert client.get("/api/v1/questions/?is_active=true").json()["count"] == 49
    levels = client.get("/api/v1/levels/").json()["results"]
    assert levels[0]["question_count"] == 4
