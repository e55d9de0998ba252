"""The text of feedback e-mails: the job title, the session and its time, what to do.

No candidate name, ever (an erased candidate's name must not leave in a reminder, and a reminder
needs none: the interviewer finds the session under "Pending feedback"). No links either: the
instructions name the place in the app, so a forwarded or phished copy points nowhere.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.mail import EmailMessage

_WHITESPACE = re.compile(r"\s+")


def _one_line(text: str, limit: int = 120) -> str:
    """A header-safe line: newlines in a job title would otherwise break the Subject header."""
    line = _WHITESPACE.sub(" ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _when(scheduled_at: dt.datetime, duration_minutes: int) -> str:
    return f"{scheduled_at.astimezone(dt.UTC):%a %d %b %Y, %H:%M} UTC ({duration_minutes} minutes)"


def _message(*, notice_id: int, to: str, subject: str, body: str) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # The same id on every attempt of one notice: a mail system that sees it twice (the
            # worker stopped after the server accepted it, before `sent_at` was stored) can tell.
            "Message-ID": f"<feedback-notice-{notice_id}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )


def reminder_message(
    *,
    notice_id: int,
    to: str,
    job_title: str,
    session_order: int,
    scheduled_at: dt.datetime,
    duration_minutes: int,
    sequence: int,
    most: int,
) -> EmailMessage:
    job = _one_line(job_title)
    body = (
        f"Your scorecard for the interview below is not submitted yet.\n\n"
        f"Job: {job}\n"
        f"Session {session_order}: {_when(scheduled_at, duration_minutes)}\n\n"
        "Please write it up while the interview is fresh: sign in to the interview app, open "
        '"Pending feedback" and submit your scorecard for this session.\n\n'
        f"This is reminder {sequence} of at most {most}.\n"
    )
    return _message(
        notice_id=notice_id,
        to=to,
        subject=f"Scorecard due: {job}, session {session_order}",
        body=body,
    )


def overdue_message(
    *,
    notice_id: int,
    to: str,
    job_title: str,
    session_order: int,
    scheduled_at: dt.datetime,
    duration_minutes: int,
    awaited_usernames: list[str],
    overdue_after_hours: int,
) -> EmailMessage:
    job = _one_line(job_title)
    names = ", ".join(awaited_usernames) or "(none left)"
    body = (
        f"Feedback is overdue: an interview for a job of yours ended more than "
        f"{overdue_after_hours} hours ago and not every scorecard is submitted.\n\n"
        f"Job: {job}\n"
        f"Session {session_order}: {_when(scheduled_at, duration_minutes)}\n"
        f"Still to submit: {names}\n\n"
        "Each of them is reminded daily by e-mail. The loop's progress is in the interview app.\n"
    )
    return _message(
        notice_id=notice_id,
        to=to,
        subject=f"Feedback overdue: {job}, session {session_order}",
        body=body,
    )
