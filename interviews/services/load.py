"""Interviewers' weekly limits as hard rules on every write that seats someone or moves a
session (API.md additions, Interviewer pools): the row locks that serialise those writes and the
409 naming whoever a write would put over their limit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet
from rest_framework import status

from core.errors import ApplicationError
from interviews.errors import InterviewsErrorCode
from interviews.models import InterviewerProfile
from interviews.selectors import week_loads


def lock_weekly_limits(*, user_ids: Iterable[int] | QuerySet) -> dict[int, int]:
    """{user id: weekly limit} of those of `user_ids` who have one, their profile rows locked
    until commit. Precondition: inside a transaction.

    Every write that adds a session to someone's week (generation, scheduling) takes these
    locks, in user id order (so two writes never wait for each other in a cycle), before it
    counts the week's sessions: a second write for the same person counts after the first
    committed. A user without a limit needs no lock: nothing can put them over it.
    """
    if not isinstance(user_ids, QuerySet):
        user_ids = sorted(set(user_ids))
    return dict(
        InterviewerProfile.objects.select_for_update()
        .filter(user_id__in=user_ids, weekly_limit__isnull=False)
        .order_by("user_id")
        .values_list("user_id", "weekly_limit")
    )


def refuse_over_weekly_limit(
    *, added: Mapping[int, Mapping[datetime, int]], limits: Mapping[int, int]
) -> None:
    """409 naming everyone whom `added` ({user: {Monday of a week: sessions added}}) would put
    over their limit in a week. Precondition: the caller holds `lock_weekly_limits` for them."""
    over: list[str] = []
    fields: dict[str, list[str]] = {}
    usernames: dict[int, str] | None = None
    weeks = sorted({week for per_user in added.values() for week in per_user})
    for week in weeks:
        users = sorted(u for u in added if week in added[u] and u in limits)
        if not users:
            continue
        loads = week_loads(user_ids=users, start=week, end=week + timedelta(days=7))
        full = [u for u in users if loads.get(u, 0) + added[u][week] > limits[u]]
        if full and usernames is None:
            usernames = dict(User.objects.filter(id__in=list(added)).values_list("id", "username"))
        for user_id in full:
            sentence = (
                f"{usernames.get(user_id, user_id)} (user {user_id}) has {loads.get(user_id, 0)} "
                f"of {limits[user_id]} sessions in the week of {week.date().isoformat()}"
            )
            over.append(sentence)
            fields.setdefault(f"interviewers.{user_id}", []).append(f"{sentence}.")
    if over:
        raise ApplicationError(
            InterviewsErrorCode.WEEKLY_LIMIT_REACHED,
            "This would put interviewers over their weekly limit: "
            + "; ".join(over)
            + ". Choose other interviewers or another week, or raise the limit.",
            fields,
            status_code=status.HTTP_409_CONFLICT,
        )
