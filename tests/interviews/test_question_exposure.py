"""Each question's exposure counter (`QuestionExposure`) equals the count from the history (its
rows in loops that are not cancelled) after generations, swaps and cancellations; the migration
and `question_exposure_recount` fill it from existing loops."""

import importlib

import pytest
from django.apps import apps

from interviews.models import Loop, QuestionExposure
from interviews.services.exposure import question_exposure_of_history, question_exposure_recount
from tests.factories import (
    CandidateFactory,
    InterviewSessionFactory,
    LoopFactory,
    QuestionFactory,
    SessionQuestionFactory,
)

pytestmark = pytest.mark.django_db


def _counters():
    return {q: n for q, n in QuestionExposure.objects.values_list("question_id", "loops") if n}


def _questions(body):
    return [q["question"] for s in body["sessions"] for q in s["questions"]]


def test_counters_equal_the_history_after_generate_swap_and_cancel(
    generate, client_for, hiring_manager
):
    client = client_for(hiring_manager)
    loops = [generate(candidate=CandidateFactory().pk, seed=n).json() for n in range(8)]
    assert _counters() == question_exposure_of_history()
    assert max(_counters().values()) >= 2  # 80 questions from a smaller bank: shared

    session = loops[0]["sessions"][0]
    out = session["questions"][0]["question"]
    swapped = client.post(
        f"/api/v1/loops/{loops[0]['id']}/swap/",
        {"session": session["id"], "question_out": out},
        format="json",
    )
    assert swapped.status_code == 200
    assert out not in _questions(swapped.json())
    assert _counters() == question_exposure_of_history()

    assert client.post(f"/api/v1/loops/{loops[1]['id']}/cancel/").status_code == 200
    assert client.post(f"/api/v1/loops/{loops[1]['id']}/cancel/").status_code == 409
    assert _counters() == question_exposure_of_history()

    # What the next generation reads: every question of the bank with its counter.
    from interviews.selectors import bank_questions

    history = question_exposure_of_history()
    bank = bank_questions(level_slugs=["beginner", "intermediate", "advanced"])
    assert {q.id: q.exposure for q in bank if q.exposure} == {
        q.id: history[q.id] for q in bank if q.id in history
    }


def _history_with_a_cancelled_loop():
    questions = [QuestionFactory() for _ in range(3)]
    for status, asked in (
        ("completed", questions),
        ("draft", questions[:2]),
        ("cancelled", questions),
    ):
        session = InterviewSessionFactory(loop=LoopFactory(status=status))
        for question in asked:
            SessionQuestionFactory(session=session, question=question)
    return questions


def test_recount_sets_the_counters_from_the_history():
    first, second, third = _history_with_a_cancelled_loop()
    QuestionExposure.objects.update(loops=7)
    question_exposure_recount()
    assert _counters() == {first.pk: 2, second.pk: 2, third.pk: 1}


def test_the_migration_fills_the_counters_of_existing_loops():
    first, second, third = _history_with_a_cancelled_loop()
    QuestionExposure.objects.all().delete()
    migration = importlib.import_module("interviews.migrations.0006_question_exposure")
    migration.fill_exposure(apps, None)
    assert _counters() == {first.pk: 2, second.pk: 2, third.pk: 1}
    assert Loop.objects.filter(status="cancelled").count() == 1
