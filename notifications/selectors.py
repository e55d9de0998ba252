"""Reads for feedback reminders: whose feedback is awaited, and the caller's pending list.

Feedback is awaited from an interviewer for a session when the session has ended (its
`scheduled_at` plus `duration_minutes` is past), its loop is `scheduled` and not decided (a
draft loop takes no scorecards, a completed one has them all, a cancelled one needs none) and
its candidate was not erased (nothing more is recorded about them), and the interviewer has no
submitted scorecard there (a draft does not count).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from interviews.models import InterviewSession, JobTeamMember, Loop, SessionInterviewer
from notifications.models import FeedbackNotice, OverdueSession
from scoring.scorecards.models import Scorecard


def ended_at(prefix: str = "") -> ExpressionWrapper:
    """When a session ended: `scheduled_at + duration_minutes` (prefix: the path to the session)."""
    minutes = ExpressionWrapper(
        F(f"{prefix}duration_minutes") * Value(dt.timedelta(minutes=1)),
        output_field=DurationField(),
    )
    return ExpressionWrapper(F(f"{prefix}scheduled_at") + minutes, output_field=DateTimeField())


def _open_loop(prefix: str) -> Q:
    """A loop that still takes scorecards: scheduled, undecided, and its candidate not erased
    (their scorecards are refused with a 409, so nobody is asked for one)."""
    return Q(
        **{
            f"{prefix}loop__status": Loop.Status.SCHEDULED,
            f"{prefix}loop__decision": "",
            f"{prefix}loop__candidate__erased_at__isnull": True,
        }
    )


def _submitted(*, session: OuterRef | F, interviewer: OuterRef | F | User) -> Exists:
    return Exists(
        Scorecard.objects.filter(
            session=session, interviewer=interviewer, status=Scorecard.Status.SUBMITTED
        )
    )


def awaited_seats(*, ended_before: dt.datetime) -> QuerySet[SessionInterviewer]:
    """Seats (session, interviewer) whose feedback is awaited, of sessions that ended before
    `ended_before`.

    Only scoring interviewers sit in SessionInterviewer; trainees (branch h-pools) get a table of
    their own (SessionTrainee), so they are never reminded and never listed as pending.
    """
    return (
        SessionInterviewer.objects.filter(
            _open_loop("session__"), session__scheduled_at__isnull=False
        )
        .annotate(ended_at=ended_at("session__"))
        .filter(ended_at__lte=ended_before)
        .exclude(_submitted(session=OuterRef("session_id"), interviewer=OuterRef("interviewer_id")))
    )


def reminders_due(*, now: dt.datetime, after: dt.timedelta, every: dt.timedelta, most: int):
    """(session id, interviewer id, e-mail, is_active, reminders so far) of every seat due its
    next reminder: feedback awaited `after` its session ended, fewer than `most` reminders, the
    last one created at least `every` ago and no longer pending."""
    earlier = FeedbackNotice.objects.filter(
        session_id=OuterRef("session_id"),
        recipient_id=OuterRef("interviewer_id"),
        kind=FeedbackNotice.Kind.REMINDER,
    ).order_by()
    count = earlier.values("session_id").annotate(n=Count("id")).values("n")
    last = earlier.values("session_id").annotate(at=Max("created_at")).values("at")
    return (
        awaited_seats(ended_before=now - after)
        .annotate(
            reminders=Coalesce(Subquery(count, output_field=IntegerField()), 0),
            last_reminder_at=Subquery(last, output_field=DateTimeField()),
        )
        .filter(reminders__lt=most)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=now - every))
        # The previous reminder must have gone (or been given up on) first: a backlog of
        # unsent reminders never turns into two e-mails at once.
        .exclude(Exists(earlier.filter(status=FeedbackNotice.Status.PENDING)))
        .values_list(
            "session_id",
            "interviewer_id",
            "interviewer__email",
            "interviewer__is_active",
            "reminders",
        )
        .order_by("session_id", "interviewer_id")
    )


def overdue_sessions_new(*, ended_before: dt.datetime) -> list[int]:
    """Ids of sessions that ended before `ended_before`, still await someone's feedback, and
    have no OverdueSession row yet."""
    awaited = awaited_seats(ended_before=ended_before).filter(session_id=OuterRef("pk"))
    return list(
        InterviewSession.objects.filter(Exists(awaited))
        .exclude(Exists(OverdueSession.objects.filter(session_id=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", flat=True)
    )


def hiring_managers_of_session(*, session_id: int) -> list[tuple[int, str, bool]]:
    """(user id, e-mail, is_active) of the session's job's team members with role
    hiring_manager."""
    return list(
        JobTeamMember.objects.filter(
            role=JobTeamMember.Role.HIRING_MANAGER,
            job__loop_templates__loops__sessions__id=session_id,
        )
        .order_by("user_id")
        .values_list("user_id", "user__email", "user__is_active")
    )


def interviewers_awaited(*, session_id: int) -> list[tuple[int, str]]:
    """(user id, username) of the session's interviewers whose feedback is still awaited."""
    return list(
        SessionInterviewer.objects.filter(session_id=session_id)
        .exclude(_submitted(session=OuterRef("session_id"), interviewer=OuterRef("interviewer_id")))
        .order_by("position", "interviewer_id")
        .values_list("interviewer_id", "interviewer__username")
    )


def notices_no_longer_needed() -> Q:
    """Pending notices whose feedback came in, or whose loop closed, before they were sent, or
    whose recipient has since lost their e-mail address or been deactivated."""
    reminder_answered = Q(kind=FeedbackNotice.Kind.REMINDER) & Q(
        _submitted(session=OuterRef("session_id"), interviewer=OuterRef("recipient_id"))
    )
    still_awaited = SessionInterviewer.objects.filter(session_id=OuterRef("session_id")).exclude(
        _submitted(session=OuterRef("session_id"), interviewer=OuterRef("interviewer_id"))
    )
    overdue_answered = Q(kind=FeedbackNotice.Kind.OVERDUE) & ~Q(Exists(still_awaited))
    recipient_gone = Q(recipient__email="") | Q(recipient__is_active=False)
    return reminder_answered | overdue_answered | ~_open_loop("session__") | recipient_gone


def pending_feedback_list(*, user: User, now: dt.datetime) -> QuerySet[InterviewSession]:
    """The user's own sessions awaiting their scorecard, oldest first: ended, in a scheduled and
    undecided loop, with no submitted scorecard of theirs. Each carries `ended_at`, `scorecard_id`
    (their draft, if any) and `reminders_sent`."""
    draft = Scorecard.objects.filter(session=OuterRef("pk"), interviewer=user).values("id")[:1]
    sent = (
        FeedbackNotice.objects.filter(
            session=OuterRef("pk"),
            recipient=user,
            kind=FeedbackNotice.Kind.REMINDER,
            status=FeedbackNotice.Status.SENT,
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        InterviewSession.objects.filter(
            _open_loop(""), session_interviewers__interviewer=user, scheduled_at__isnull=False
        )
        .annotate(ended_at=ended_at())
        .filter(ended_at__lte=now)
        .exclude(_submitted(session=OuterRef("pk"), interviewer=user))
        .annotate(
            scorecard_id=Subquery(draft),
            reminders_sent=Coalesce(Subquery(sent, output_field=IntegerField()), 0),
        )
        .select_related("loop__template__job")
        .order_by("ended_at", "id")
    )
