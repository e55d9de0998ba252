"""A digest of what one `generate_synthetic_data` run wrote, independent of the database's ids
and of the time it ran (not collected: no test_ prefix).

Ids become ranks among the run's own rows (a run's ids are consecutive, in write order), times
become seconds after the run's `now` (the hiring manager's `date_joined`), and the one random
column that is not drawn from the seed (the unusable password) is left out. Two runs of the same
seed therefore give the same digest, in any database and at any time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User

from interviews.models import (
    InterviewSession,
    Loop,
    SessionInterviewer,
    SessionQuestion,
    SessionTrainee,
)
from scoring.scorecards.models import CriterionRating, Scorecard


def _ranks(ids: Iterable[int]) -> dict[int, int]:
    return {pk: rank for rank, pk in enumerate(sorted(ids))}


def synthetic_rows(prefix: str, *, shadow: bool | None = False) -> dict[str, list[tuple]]:
    """The run's rows by table, as id- and time-free tuples. `shadow`: False keeps the qualified
    interviewers' scorecards only (what a run without trainees writes), True the trainees'
    only, None both."""
    users = User.objects.filter(username__startswith=f"{prefix}-")
    now = users.get(username=f"{prefix}-hiring-manager").date_joined
    user_name = dict(users.values_list("id", "username"))
    loops = Loop.objects.filter(decided_by__username=f"{prefix}-hiring-manager")
    loop = _ranks(loops.values_list("id", flat=True))
    sessions = InterviewSession.objects.filter(loop__in=loops)
    session = _ranks(sessions.values_list("id", flat=True))
    cards = Scorecard.objects.filter(loop__in=loops)
    if shadow is not None:
        cards = cards.filter(shadow=shadow)
    card = _ranks(cards.values_list("id", flat=True))

    def since(moment: Any) -> float | None:
        return None if moment is None else (moment - now).total_seconds()

    return {
        "users": sorted(user_name.values()),
        "loops": [
            (loop[pk], candidate, template, status, seed, decision, balance)
            for pk, candidate, template, status, seed, decision, balance in loops.values_list(
                "id",
                "candidate__external_id",
                "template__name",
                "status",
                "seed",
                "decision",
                "balance",
            ).order_by("id")
        ],
        "sessions": [
            (loop[lp], order, since(at))
            for lp, order, at in sessions.values_list("loop", "order", "scheduled_at").order_by(
                "id"
            )
        ],
        "questions": sorted(
            (session[s], q, order)
            for s, q, order in SessionQuestion.objects.filter(session__in=sessions).values_list(
                "session", "question", "order"
            )
        ),
        "seats": sorted(
            (session[s], user_name[u], position)
            for s, u, position in SessionInterviewer.objects.filter(
                session__in=sessions
            ).values_list("session", "interviewer", "position")
        ),
        "trainee_seats": sorted(
            (session[s], user_name[u], stage)
            for s, u, stage in SessionTrainee.objects.filter(session__in=sessions).values_list(
                "session", "trainee", "stage"
            )
        ),
        "scorecards": [
            (card[pk], session[s], user_name[u], status, recommendation, since(at), is_shadow)
            for pk, s, u, status, recommendation, at, is_shadow in cards.values_list(
                "id",
                "session",
                "interviewer",
                "status",
                "overall_recommendation",
                "submitted_at",
                "shadow",
            ).order_by("id")
        ],
        "ratings": sorted(
            (card[c], criterion, rating)
            for c, criterion, rating in CriterionRating.objects.filter(
                scorecard__in=cards
            ).values_list("scorecard", "criterion", "rating")
        ),
    }


def synthetic_digest(prefix: str) -> str:
    """sha256 of `synthetic_rows(prefix)` (qualified interviewers' scorecards only)."""
    return hashlib.sha256(repr(synthetic_rows(prefix)).encode()).hexdigest()
