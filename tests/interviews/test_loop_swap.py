"""POST /api/v1/loops/{id}/swap/: replacing one question keeps every hard rule."""

import pytest

from interviews.models import Loop
from questionbank.models import Question
from tests.factories import ScorecardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(generate):
    return generate().json()


def _swap(client, loop, **body):
    return client.post(f"/api/v1/loops/{loop['id']}/swap/", body, format="json")


def _in_loop(body):
    return {q["question"] for s in body["sessions"] for q in s["questions"]}


def test_swap_without_a_choice_picks_an_unused_question_of_the_same_level(
    loop, client_for, hiring_manager
):
    session = loop["sessions"][0]
    out = session["questions"][0]
    response = _swap(
        client_for(hiring_manager), loop, session=session["id"], question_out=out["question"]
    )
    assert response.status_code == 200
    body = response.json()
    replaced = body["sessions"][0]["questions"][0]
    assert replaced["question"] not in _in_loop(loop)
    assert replaced["level"] == out["level"]
    assert replaced["order"] == out["order"]
    assert sum(q["estimated_minutes"] for q in body["sessions"][0]["questions"]) <= 60
    assert body["balance"]["per_level"] == loop["balance"]["per_level"]
    assert len(_in_loop(body)) == 10


def test_swap_with_a_chosen_question(loop, client_for, hiring_manager):
    session = loop["sessions"][0]
    out = session["questions"][0]
    choice = (
        Question.objects.filter(level_id=out["level"])
        .exclude(pk__in=_in_loop(loop))
        .order_by("id")
        .first()
    )
    body = _swap(
        client_for(hiring_manager),
        loop,
        session=session["id"],
        question_out=out["question"],
        question_in=choice.pk,
    ).json()
    assert body["sessions"][0]["questions"][0]["question"] == choice.pk
    assert body["sessions"][0]["questions"][0]["estimated_minutes"] == choice.estimated_minutes


def test_a_chosen_question_that_breaks_a_hard_rule_is_refused(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    session = loop["sessions"][0]
    out = session["questions"][0]
    other_level = (
        Question.objects.exclude(level_id=out["level"]).exclude(pk__in=_in_loop(loop)).first()
    )
    already = loop["sessions"][1]["questions"][0]["question"]
    inactive = Question.objects.filter(level_id=out["level"]).exclude(pk__in=_in_loop(loop)).first()
    inactive.is_active = False
    inactive.save()

    wrong_level = _swap(
        client,
        loop,
        session=session["id"],
        question_out=out["question"],
        question_in=other_level.pk,
    )
    assert wrong_level.status_code == 400
    assert wrong_level.json()["code"] == "invalid_swap"
    assert wrong_level.json()["fields"]["question_in"] == [
        f"Question {other_level.pk} is at level '{other_level.level_id}'; the replacement must be "
        f"at level '{out['level']}' to keep the template's quotas."
    ]
    duplicate = _swap(
        client, loop, session=session["id"], question_out=out["question"], question_in=already
    )
    assert (
        f"Question {already} is already in this loop." in duplicate.json()["fields"]["question_in"]
    )
    retired = _swap(
        client, loop, session=session["id"], question_out=out["question"], question_in=inactive.pk
    )
    assert f"Question {inactive.pk} is not active." in retired.json()["fields"]["question_in"]
    missing = _swap(
        client, loop, session=session["id"], question_out=out["question"], question_in=999999
    )
    assert missing.json()["fields"] == {"question_in": ["No question with id 999999."]}


def test_a_question_the_candidate_met_before_is_refused(generate, loop, client_for, hiring_manager):
    second = generate(seed=99).json()
    session = second["sessions"][0]
    out = session["questions"][0]
    met = next(
        q["question"]
        for s in loop["sessions"]
        for q in s["questions"]
        if q["level"] == out["level"]
    )
    response = _swap(
        client_for(hiring_manager),
        second,
        session=session["id"],
        question_out=out["question"],
        question_in=met,
    )
    assert response.status_code == 400
    assert response.json()["fields"]["question_in"] == [
        f"Question {met} was already asked of this candidate in an earlier loop."
    ]


def test_a_question_that_does_not_fit_the_minutes_is_refused(loop, client_for, hiring_manager):
    session = loop["sessions"][0]
    out = session["questions"][0]
    long_one = Question.objects.filter(level_id=out["level"]).exclude(pk__in=_in_loop(loop)).first()
    long_one.estimated_minutes = 200
    long_one.save()
    response = _swap(
        client_for(hiring_manager),
        loop,
        session=session["id"],
        question_out=out["question"],
        question_in=long_one.pk,
    )
    assert response.status_code == 400
    assert "takes 200 minutes" in response.json()["message"]


def test_when_no_replacement_exists_the_400_says_so(loop, client_for, hiring_manager):
    session = loop["sessions"][0]
    out = session["questions"][0]
    Question.objects.filter(level_id=out["level"]).exclude(pk__in=_in_loop(loop)).update(
        is_active=False
    )
    response = _swap(
        client_for(hiring_manager), loop, session=session["id"], question_out=out["question"]
    )
    assert response.status_code == 400
    assert response.json()["fields"]["question_out"][0].startswith(
        f"No unused active question at level '{out['level']}'"
    )


def test_swap_needs_the_question_and_session_of_this_loop(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    session = loop["sessions"][0]
    not_here = loop["sessions"][1]["questions"][0]["question"]
    response = _swap(client, loop, session=session["id"], question_out=not_here)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "question_out": [f"Not a question of session {session['id']}."]
    }
    response = _swap(client, loop, session=999999, question_out=not_here)
    assert response.json()["fields"] == {"session": [f"Not a session of loop {loop['id']}."]}


def test_a_session_with_a_scorecard_keeps_its_questions(loop, client_for, hiring_manager):
    session = loop["sessions"][0]
    Loop.objects.filter(pk=loop["id"]).update(status=Loop.Status.SCHEDULED)
    ScorecardFactory(
        session_id=session["id"], loop_id=loop["id"], interviewer_id=session["interviewers"][0]
    )
    response = _swap(
        client_for(hiring_manager),
        loop,
        session=session["id"],
        question_out=session["questions"][0]["question"],
    )
    assert response.status_code == 409


def test_a_cancelled_loop_cannot_be_edited(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(f"/api/v1/loops/{loop['id']}/cancel/")
    session = loop["sessions"][0]
    response = _swap(
        client, loop, session=session["id"], question_out=session["questions"][0]["question"]
    )
    assert response.status_code == 409
    assert response.json()["code"] == "loop_state_conflict"


def test_interviewers_cannot_swap(loop, client_for, interviewer_pool):
    session = loop["sessions"][0]
    seated = next(u for u in interviewer_pool if u.pk == session["interviewers"][0])
    response = _swap(
        client_for(seated),
        loop,
        session=session["id"],
        question_out=session["questions"][0]["question"],
    )
    assert response.status_code == 403
