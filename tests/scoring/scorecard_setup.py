"""Builders shared by the scorecard tests: a session with interviewers and a rubric to rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User

from interviews.models import InterviewSession, Loop
from questionbank.models import Question, RubricCriterion
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.factories import (
    InterviewSessionFactory,
    LoopFactory,
    QuestionFactory,
    RubricCriterionFactory,
    SessionInterviewerFactory,
    SessionQuestionFactory,
)

SCORECARDS_URL = "/api/v1/scorecards/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Users are made with a password; the production hasher takes most of a test's time.

    Import this into a test module (it is autouse there) before the user fixtures run.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class RatedSession:
    """A session of a (scheduled) loop, its interviewers, questions and active criteria."""

    loop: Loop
    session: InterviewSession
    questions: list[Question]
    criteria: list[RubricCriterion] = field(default_factory=list)

    def ratings(self, rating: int = 3) -> list[dict[str, Any]]:
        return [{"criterion": c.pk, "rating": rating, "note": ""} for c in self.criteria]

    def body(self, *, submit: bool = True, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "session": self.session.pk,
            "overall_recommendation": "yes",
            "summary": "Clear reasoning about metrics.",
            "ratings": self.ratings(),
            "submit": submit,
        }
        body.update(overrides)
        return body


def rated_session(
    *,
    interviewers: list[User],
    loop: Loop | None = None,
    questions: int = 2,
    criteria_per_question: int = 2,
) -> RatedSession:
    loop = loop or LoopFactory()
    session = InterviewSessionFactory(loop=loop)
    for position, user in enumerate(interviewers, start=1):
        SessionInterviewerFactory(session=session, interviewer=user, position=position)
    plan = RatedSession(loop=loop, session=session, questions=[])
    for _ in range(questions):
        question = QuestionFactory()
        SessionQuestionFactory(session=session, question=question)
        plan.questions.append(question)
        for order in range(1, criteria_per_question + 1):
            plan.criteria.append(RubricCriterionFactory(question=question, order=order))
    return plan


def scorecard_in(
    plan: RatedSession, *, interviewer: User, submitted: bool, rating: int = 3
) -> Scorecard:
    """A scorecard written straight to the database (for read tests)."""
    from django.utils import timezone

    scorecard = Scorecard.objects.create(
        session=plan.session,
        loop=plan.loop,
        interviewer=interviewer,
        status=Scorecard.Status.SUBMITTED if submitted else Scorecard.Status.DRAFT,
        overall_recommendation="yes" if submitted else "",
        submitted_at=timezone.now() if submitted else None,
    )
    CriterionRating.objects.bulk_create(
        CriterionRating(scorecard=scorecard, criterion=c, rating=rating) for c in plan.criteria
    )
    return scorecard
