"""People, scheduled loops and sessions in bulk through the ORM, for load scripts and drills.

Call `Stack.django()` first. Interviewers work in teams of `sessions_per_loop`: each team
interviews its own loops, one session each per loop, so the last submission of a loop completes
it (the realistic path, including the loop row lock). A session's questions come from the loaded
bank, or, given `criteria_per_question`, from questions made for the run with exactly that many
rubric criteria (so that every scorecard has the same number of ratings).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass
class Assignment:
    """One scorecard to write: the session and the criteria of its questions."""

    session_id: int
    criteria: list[int]


@dataclass
class Interviewer:
    user_id: int
    username: str
    token: str
    assignments: list[Assignment]


@dataclass(frozen=True)
class LoopShape:
    sessions_per_loop: int = 4
    questions_per_session: int = 2
    criteria_per_question: int | None = None  # None: the bank's questions as they are

    @property
    def questions_per_loop(self) -> int:
        return self.sessions_per_loop * self.questions_per_session


PASSWORD = "drill-password-1"


def people(*, role: str, count: int, prefix: str) -> list[Any]:
    """`count` users of one role (`<prefix>-<role>-<i>`), each with an API token (`.token`)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"{prefix}-{role}-{i}", password=password) for i in range(count)]
    )
    Group.objects.get(name=role).user_set.add(*users)
    for user, key in zip(users, tokens_issue(users), strict=True):
        user.token = key
    return users


def tokens_issue(users: list[Any]) -> list[str]:
    """One API token per user; returns the tokens in the users' order. Tokens are hashed
    (knox): each is made, and shown, once, so one create per user."""
    from core.services import token_create

    return [token_create(user=user)[1] for user in users]


def populate(
    *,
    interviewers: int,
    loops_per_team: int,
    sessions_per_loop: int = 4,
    questions_per_session: int = 2,
    criteria_per_question: int | None = None,
    prefix: str = "load",
) -> tuple[list[Interviewer], str]:
    """Create interviewers (with tokens), a recruiter, and scheduled loops in bulk.

    Every interviewer has `loops_per_team` scorecards to write. Returns the interviewers and the
    recruiter's token.
    """
    from django.db import transaction

    shape = LoopShape(sessions_per_loop, questions_per_session, criteria_per_question)
    if interviewers % sessions_per_loop:
        raise ValueError("interviewers must be a multiple of sessions_per_loop")
    with transaction.atomic():
        users = people(role="interviewer", count=interviewers, prefix=prefix)
        (recruiter,) = people(role="recruiter", count=1, prefix=prefix)
        (manager,) = people(role="hiring_manager", count=1, prefix=prefix)
        criteria_of, picked = _questions(shape, prefix=prefix)
        template = _template(shape, picked, manager=manager)
        teams = [users[i : i + sessions_per_loop] for i in range(0, len(users), sessions_per_loop)]
        loops = _loops(template, count=len(teams) * loops_per_team, manager=manager)
        plan = _sessions(shape, loops, teams, loops_per_team, picked, criteria_of)
    result = [Interviewer(u.id, u.username, u.token, plan[u.id]) for u in users]
    return result, recruiter.token


def _questions(shape: LoopShape, *, prefix: str) -> tuple[dict[int, list[int]], list[Any]]:
    """The questions a loop asks, in order, and the active criteria of each."""
    from questionbank.models import Question, RubricCriterion

    if shape.criteria_per_question is None:
        questions = list(Question.objects.filter(is_active=True).order_by("id"))
        if len(questions) < shape.questions_per_loop:
            raise RuntimeError("the question bank is too small for this loop shape")
        picked = questions[: shape.questions_per_loop]
    else:
        picked = _questions_made(shape, prefix=prefix)
    criteria_of: dict[int, list[int]] = {}
    for criterion_id, question_id in (
        RubricCriterion.objects.filter(question__in=picked, is_active=True)
        .order_by("question_id", "order")
        .values_list("id", "question_id")
    ):
        criteria_of.setdefault(question_id, []).append(criterion_id)
    return criteria_of, picked


def _questions_made(shape: LoopShape, *, prefix: str) -> list[Any]:
    """Questions of a level of their own, each with exactly `criteria_per_question` criteria."""
    from questionbank.models import Level, Question, RubricCriterion

    level = Level.objects.create(slug=f"{prefix}-level", name=f"{prefix} level", order=99)
    questions = Question.objects.bulk_create(
        Question(slug=f"{prefix}-q-{i}", level=level, prompt=f"Question {i}?", hint=f"Hint {i}.")
        for i in range(shape.questions_per_loop)
    )
    RubricCriterion.objects.bulk_create(
        RubricCriterion(question=q, order=o, text=f"{q.slug} point {o}")
        for q in questions
        for o in range(1, shape.criteria_per_question + 1)
    )
    return questions


def _template(shape: LoopShape, picked: list[Any], *, manager: Any) -> Any:
    from interviews.models import Job, JobTeamMember, LevelQuota, LoopTemplate

    job = Job.objects.create(title="Load test job", hiring_manager=manager)
    JobTeamMember.objects.create(job=job, user=manager, role="hiring_manager")
    template = LoopTemplate.objects.create(
        name="Load test template",
        job=job,
        session_count=shape.sessions_per_loop,
        session_minutes=60,
        interviewers_per_session=1,
    )
    per_level: dict[str, int] = {}
    for q in picked:
        per_level[q.level_id] = per_level.get(q.level_id, 0) + 1
    LevelQuota.objects.bulk_create(
        [LevelQuota(template=template, level_id=s, count=n) for s, n in per_level.items()]
    )
    return template


def _loops(template: Any, *, count: int, manager: Any) -> list[Any]:
    from django.utils import timezone

    from interviews.models import Candidate, Loop

    now = timezone.now()
    candidates = Candidate.objects.bulk_create(
        [Candidate(name=f"Candidate {i}", email=f"c{i}@example.test") for i in range(count)]
    )
    return Loop.objects.bulk_create(
        [
            Loop(
                candidate=c,
                template=template,
                status=Loop.Status.SCHEDULED,
                seed=i,
                created_by=manager,
                created_at=now,
                updated_at=now,
            )
            for i, c in enumerate(candidates)
        ],
        batch_size=2000,
    )


def _sessions(
    shape: LoopShape,
    loops: list[Any],
    teams: list[list[Any]],
    loops_per_team: int,
    picked: list[Any],
    criteria_of: dict[int, list[int]],
) -> dict[int, list[Assignment]]:
    """Sessions, their interviewer and questions; returns each interviewer's scorecards to write,
    in loop order (so the clients of one team walk through the loops side by side)."""
    from django.utils import timezone

    from interviews.models import InterviewSession, SessionInterviewer, SessionQuestion
    from interviews.services.exposure import question_exposure_add

    now = timezone.now()
    per = shape.questions_per_session
    sessions = InterviewSession.objects.bulk_create(
        [
            InterviewSession(loop=loop, order=k + 1, duration_minutes=60, scheduled_at=now)
            for loop in loops
            for k in range(shape.sessions_per_loop)
        ],
        batch_size=5000,
    )
    seats, asked = [], []
    plan: dict[int, list[Assignment]] = {u.id: [] for team in teams for u in team}
    for index, session in enumerate(sessions):
        loop_index, k = divmod(index, shape.sessions_per_loop)
        interviewer = teams[loop_index // loops_per_team][k]
        seats.append(
            SessionInterviewer(
                session=session, loop_id=session.loop_id, interviewer=interviewer, position=1
            )
        )
        questions = picked[k * per : (k + 1) * per]
        asked += [
            SessionQuestion(
                session=session,
                loop_id=session.loop_id,
                question=q,
                order=order,
                estimated_minutes=q.estimated_minutes,
            )
            for order, q in enumerate(questions, start=1)
        ]
        criteria = [c for q in questions for c in criteria_of[q.id]]
        plan[interviewer.id].append(Assignment(session.id, criteria))
    SessionInterviewer.objects.bulk_create(seats, batch_size=5000)
    SessionQuestion.objects.bulk_create(asked, batch_size=5000)
    # Written around the loop services: their questions' exposure counters, as those keep them.
    question_exposure_add(Counter(row.question_id for row in asked))
    return plan


def webhook_deliveries(*, subscription: Any, count: int, prefix: str) -> list[Any]:
    """`count` pending `feedback.overdue` deliveries to `subscription`, in bulk (a backlog for
    the drain benchmark; the body is the size of a real one's data)."""
    from webhooks.models import WebhookDelivery

    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            event="feedback.overdue",
            message_id=f"msg_{prefix}{number:08d}",
            payload={
                "type": "feedback.overdue",
                "timestamp": "2026-11-30T00:00:00+00:00",
                "data": {"session_id": number, "loop_id": number // 4, "interviewer_id": 7},
            },
        )
        for number in range(count)
    )
