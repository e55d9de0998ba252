"""An attacker's pass over the admin site's question page: its rubric inline edits a scored
criterion's text or weight in place, which the API never does (API.md, Question bank: "A
criterion that has been scored is never edited in place"), and which would change what every
past rating of it means (a question score is the weighted mean of its criterion ratings)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from questionbank.models import RubricCriterion
from tests.factories import (
    CriterionRatingFactory,
    QuestionFactory,
    RubricCriterionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    staff = UserFactory(username="stella_staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="questionbank",
            codename__in=[
                "view_question",
                "change_question",
                "view_rubriccriterion",
                "change_rubriccriterion",
                "add_rubriccriterion",
            ],
        )
    )
    client = Client()
    client.force_login(staff)
    return client


def _form(question, criteria, changes: dict | None = None) -> dict:
    """The question page as the browser posts it, with `changes` {criterion id: {field: value}}."""
    form = {
        "slug": question.slug,
        "level": question.level_id,
        "prompt": question.prompt,
        "hint": question.hint,
        "estimated_minutes": question.estimated_minutes,
        "is_active": "on",
        "created_at_0": question.created_at.strftime("%Y-%m-%d"),
        "created_at_1": question.created_at.strftime("%H:%M:%S"),
        "updated_at_0": question.updated_at.strftime("%Y-%m-%d"),
        "updated_at_1": question.updated_at.strftime("%H:%M:%S"),
        "criteria-TOTAL_FORMS": len(criteria),
        "criteria-INITIAL_FORMS": len(criteria),
        "criteria-MIN_NUM_FORMS": 0,
        "criteria-MAX_NUM_FORMS": 1000,
    }
    for i, criterion in enumerate(criteria):
        row = {
            "id": criterion.pk,
            "question": question.pk,
            "order": criterion.order,
            "text": criterion.text,
            "weight": criterion.weight,
            "is_active": "on",
        }
        row.update((changes or {}).get(criterion.pk, {}))
        form.update({f"criteria-{i}-{name}": value for name, value in row.items()})
    return form


@pytest.fixture
def scored():
    question = QuestionFactory()
    criterion = RubricCriterionFactory(question=question, order=1, weight=1.0, text="Covers A")
    CriterionRatingFactory(criterion=criterion, rating=4)
    return question, criterion


@pytest.mark.parametrize("change", [{"weight": 9.0}, {"text": "Covers B instead"}])
def test_staff_cannot_edit_a_scored_criterion_in_place(site, scored, change):
    question, criterion = scored

    response = site.post(
        f"/admin/questionbank/question/{question.pk}/change/",
        _form(question, [criterion], {criterion.pk: change}),
    )

    criterion.refresh_from_db()
    assert (criterion.text, criterion.weight) == ("Covers A", 1.0)
    assert response.status_code == 200  # the form again, saying what to do instead
    assert b"has been scored" in response.content


def test_staff_still_edits_an_unscored_criterion_and_retires_a_scored_one(site, scored):
    question, criterion = scored
    fresh = RubricCriterionFactory(question=question, order=2, text="Covers C")

    response = site.post(
        f"/admin/questionbank/question/{question.pk}/change/",
        _form(
            question,
            [criterion, fresh],
            {criterion.pk: {"is_active": ""}, fresh.pk: {"weight": 2.5}},
        ),
    )

    assert response.status_code == 302, response.content[:3000]
    assert RubricCriterion.objects.get(pk=fresh.pk).weight == 2.5
    assert RubricCriterion.objects.get(pk=criterion.pk).is_active is False
