"""Builders for the feedback reminder tests: sessions that ended some hours before `now`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from interviews.models import InterviewSession, Job, Loop
from tests.factories import (
    InterviewSessionFactory,
    JobFactory,
    LoopFactory,
    LoopTemplateFactory,
    SessionInterviewerFactory,
)


def ended_session(
    *,
    interviewers: list[User],
    now: dt.datetime,
    hours_ago: float,
    loop: Loop | None = None,
    job: Job | None = None,
    duration_minutes: int = 60,
) -> InterviewSession:
    """A session of a scheduled loop that ended `hours_ago` hours before `now`."""
    if loop is None:
        job = job or JobFactory()
        loop = LoopFactory(template=LoopTemplateFactory(job=job))
    ended_at = now - dt.timedelta(hours=hours_ago)
    session = InterviewSessionFactory(
        loop=loop,
        duration_minutes=duration_minutes,
        scheduled_at=ended_at - dt.timedelta(minutes=duration_minutes),
    )
    for position, user in enumerate(interviewers, start=1):
        SessionInterviewerFactory(session=session, interviewer=user, position=position)
    return session
