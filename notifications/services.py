"""Writes for feedback reminders: plan the e-mails that are due, then send each exactly once.

Life of a notice (one e-mail, a `FeedbackNotice` row):

- **planned**: inserted `pending` with `INSERT ... ON CONFLICT DO NOTHING` on the unique
  (session, recipient, kind, sequence). Two beat runs planning the same reminder insert one row;
  the loser's insert does nothing. A reminder number n+1 is planned only when number n was
  created at least a day earlier, so a beat that was down for days sends one, not a burst.
- **claimed**: one conditional UPDATE, `status = 'pending' AND (claimed_until IS NULL OR
  claimed_until <= now) AND attempts < MAX_SEND_ATTEMPTS`, sets `attempts + 1` and
  `claimed_until = now + lease`. Of two runs racing for a row, one changes it; the other moves on.
  The claim is taken per e-mail, just before it is sent, so a long run never sends on an expired
  lease.
- **sent**: after the SMTP server accepted the message, `status = 'sent'`, `sent_at`, filtered on
  the attempt that claimed it.
- A worker killed mid-send leaves the row `pending` with a lease that runs out; the next run after
  `claimed_until` claims it again and sends it: a later send, not a loss. (Killed after the server
  accepted the message and before `sent_at` was stored, the e-mail goes twice; every attempt of a
  notice carries the same Message-ID so mail systems can tell.)
- A refused or timed-out send releases the claim with a back-off (5 min, doubling); after
  MAX_SEND_ATTEMPTS the notice is `failed` with the server's answer in `error`.
- **withdrawn**: a pending notice whose feedback came in (or whose loop closed) before it was sent.

Overdue: the first run that finds a session overdue inserts its `OverdueSession` row and, in the
same transaction, the hiring managers' notices and the `feedback.overdue` webhook event (its
deliveries are sent after the commit); a second run's insert of that row fails on the primary
key and does nothing, so each happens once per session.

Users without an e-mail address (and deactivated users) are skipped and counted in the result.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from interviews.models import InterviewSession
from notifications import emails, selectors
from notifications.models import FeedbackNotice, OverdueSession
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8
# A run sends for at most this long (the task stays short; two runs that overlap are safe), reading
# pending notices SEND_CHUNK at a time.
SEND_BUDGET_SECONDS = 240
SEND_CHUNK = 200
REMINDER_EVERY = dt.timedelta(days=1)
_FIRST_RETRY = dt.timedelta(minutes=5)


def send_lease() -> dt.timedelta:
    """How long a claim holds: well past the longest a send can take (each SMTP step may take
    EMAIL_TIMEOUT), so no second sender takes over a live one."""
    return dt.timedelta(seconds=max(300, 10 * settings.EMAIL_TIMEOUT))


def mail_configured() -> bool:
    """E-mail goes somewhere real (EMAIL_HOST), or to the console on a laptop (DEBUG)."""
    return bool(settings.EMAIL_HOST) or settings.DEBUG


def _clock(now: dt.datetime) -> Callable[[], dt.datetime]:
    """`now`, moving on with the real time this run has taken: leases of a long run start when
    each claim is taken, not when the run began (and tests can still pass a `now` of their own)."""
    started = time.monotonic()
    return lambda: now + dt.timedelta(seconds=time.monotonic() - started)


def _skip(counts: Counter, email: str, is_active: bool) -> bool:
    if not is_active:
        counts["skipped_inactive"] += 1
        return True
    if not email:
        counts["skipped_no_email"] += 1
        return True
    return False


def reminders_plan(*, now: dt.datetime, counts: Counter) -> None:
    """Insert the next reminder of every seat that is due one (see the module docstring)."""
    due = selectors.reminders_due(
        now=now,
        after=dt.timedelta(hours=settings.FEEDBACK_REMINDER_AFTER_HOURS),
        every=REMINDER_EVERY,
        most=settings.FEEDBACK_REMINDER_MAX,
    )
    notices = [
        FeedbackNotice(
            session_id=session_id,
            recipient_id=user_id,
            kind=FeedbackNotice.Kind.REMINDER,
            sequence=so_far + 1,
            created_at=now,
        )
        for session_id, user_id, email, is_active, so_far in due
        if not _skip(counts, email, is_active)
    ]
    FeedbackNotice.objects.bulk_create(notices, ignore_conflicts=True)


def overdue_event_data(*, session_id: int) -> dict[str, Any]:
    """The `feedback.overdue` webhook's data: ids, when the session ended, whose scorecards are
    still awaited, and the session as an admin reads it in its loop."""
    # Imported here, as the webhooks' own loop events do: the serializers import the selectors.
    from interviews.serializers import LoopSessionOutputSerializer

    session = (
        InterviewSession.objects.select_related("loop__template")
        .prefetch_related("session_interviewers", "session_questions__question")
        .annotate(ended_at=selectors.ended_at())
        .get(pk=session_id)
    )
    awaited = selectors.interviewers_awaited(session_id=session_id)
    return {
        "session_id": session.pk,
        "loop_id": session.loop_id,
        "candidate_id": session.loop.candidate_id,
        "job_id": session.loop.template.job_id,
        "ended_at": session.ended_at.isoformat(),
        "overdue_after_hours": settings.FEEDBACK_OVERDUE_AFTER_HOURS,
        "awaited_interviewers": [user_id for user_id, _username in awaited],
        "session": LoopSessionOutputSerializer(session).data,
    }


@transaction.atomic
def overdue_session_record(*, session_id: int, now: dt.datetime, counts: Counter) -> bool:
    """Record that the session's feedback is overdue, plan one notice per hiring manager of its
    job and queue the `feedback.overdue` webhook event, all in one transaction; False (nothing
    written) when another run recorded it first."""
    _row, created = OverdueSession.objects.get_or_create(
        session_id=session_id, defaults={"detected_at": now}
    )
    if not created:
        return False
    notices = [
        FeedbackNotice(
            session_id=session_id,
            recipient_id=user_id,
            kind=FeedbackNotice.Kind.OVERDUE,
            sequence=1,
            created_at=now,
        )
        for user_id, email, is_active in selectors.hiring_managers_of_session(session_id=session_id)
        if not _skip(counts, email, is_active)
    ]
    FeedbackNotice.objects.bulk_create(notices, ignore_conflicts=True)
    webhook_event_emit(
        event="feedback.overdue", data=lambda: overdue_event_data(session_id=session_id)
    )
    counts["overdue_sessions"] += 1
    return True


def overdue_sessions_record(*, now: dt.datetime, counts: Counter) -> None:
    ended_before = now - dt.timedelta(hours=settings.FEEDBACK_OVERDUE_AFTER_HOURS)
    for session_id in selectors.overdue_sessions_new(ended_before=ended_before):
        overdue_session_record(session_id=session_id, now=now, counts=counts)


def _claimable(now: dt.datetime) -> Q:
    return Q(status=FeedbackNotice.Status.PENDING, attempts__lt=MAX_SEND_ATTEMPTS) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def notices_withdraw(*, now: dt.datetime, counts: Counter) -> None:
    """Withdraw unclaimed pending notices that are no longer needed (feedback in, loop closed)."""
    stale = FeedbackNotice.objects.filter(_claimable(now)).filter(
        selectors.notices_no_longer_needed()
    )
    withdrawn = stale.update(status=FeedbackNotice.Status.WITHDRAWN, claimed_until=None)
    if withdrawn:
        counts["withdrawn"] += withdrawn


def notice_claim(*, notice_id: int, now: dt.datetime) -> int | None:
    """Claim one notice for one attempt: one conditional UPDATE. Returns the attempt number this
    sender owns, or None when another sender has it (or it is no longer pending)."""
    claimed = FeedbackNotice.objects.filter(_claimable(now), id=notice_id).update(
        attempts=F("attempts") + 1, claimed_until=now + send_lease()
    )
    if not claimed:
        return None
    return FeedbackNotice.objects.values_list("attempts", flat=True).get(id=notice_id)


def _owned(notice_id: int, attempt: int):
    # Writes of an attempt whose lease ran out and was taken over change nothing.
    return FeedbackNotice.objects.filter(
        id=notice_id, status=FeedbackNotice.Status.PENDING, attempts=attempt
    )


def notice_message(*, notice: FeedbackNotice) -> EmailMessage:
    """The e-mail for a notice (its session, loop and job loaded with it)."""
    session = notice.session
    common = {
        "notice_id": notice.pk,
        "to": notice.recipient.email,
        "job_title": session.loop.template.job.title,
        "session_order": session.order,
        "scheduled_at": session.scheduled_at,
        "duration_minutes": session.duration_minutes,
    }
    if notice.kind == FeedbackNotice.Kind.REMINDER:
        return emails.reminder_message(
            **common, sequence=notice.sequence, most=settings.FEEDBACK_REMINDER_MAX
        )
    awaited = selectors.interviewers_awaited(session_id=session.pk)
    return emails.overdue_message(
        **common,
        awaited_usernames=[username for _id, username in awaited],
        overdue_after_hours=settings.FEEDBACK_OVERDUE_AFTER_HOURS,
    )


def _deliver(connection, message: EmailMessage) -> None:
    """Send through the run's one SMTP connection (opened on first use, kept open)."""
    connection.open()
    if connection.send_messages([message]) != 1:
        raise RuntimeError("the mail backend did not accept the message")


def _forget_connection(connection) -> None:
    # After an error the SMTP session may be half-open: drop it, the next send opens a new one.
    try:
        connection.close()
    except Exception:
        logger.debug("closing a broken SMTP connection failed", exc_info=True)


def _send_failed(notice_id: int, attempt: int, exc: Exception, now: dt.datetime) -> bool:
    """Release the claim with a back-off, or fail the notice after its last attempt. True when
    the notice is now `failed`."""
    error = f"{type(exc).__name__}: {str(exc).strip()}"[:1000]
    if attempt >= MAX_SEND_ATTEMPTS:
        _owned(notice_id, attempt).update(
            status=FeedbackNotice.Status.FAILED, claimed_until=None, error=error
        )
        return True
    retry_at = now + _FIRST_RETRY * 2 ** (attempt - 1)
    _owned(notice_id, attempt).update(claimed_until=retry_at, error=error)
    return False


def notice_send(*, notice_id: int, now: dt.datetime, connection, counts: Counter) -> None:
    """Claim one notice, send its e-mail, record that it was sent."""
    attempt = notice_claim(notice_id=notice_id, now=now)
    if attempt is None:
        counts["taken_by_another_run"] += 1
        return
    notice = FeedbackNotice.objects.select_related("recipient", "session__loop__template__job").get(
        id=notice_id
    )
    try:
        _deliver(connection, notice_message(notice=notice))
    except Exception as exc:  # smtplib and socket raise many types; every one is a failed try
        logger.warning("feedback notice %s attempt %s not sent", notice_id, attempt, exc_info=True)
        _forget_connection(connection)
        failed = _send_failed(notice_id, attempt, exc, now)
        counts["failed" if failed else "retry_later"] += 1
        return
    _owned(notice_id, attempt).update(
        status=FeedbackNotice.Status.SENT, sent_at=timezone.now(), claimed_until=None, error=""
    )
    counts[f"sent_{notice.kind}"] += 1


def notices_send(*, now: dt.datetime, counts: Counter) -> None:
    """Send every pending notice this run can claim, oldest first, in chunks, for at most
    SEND_BUDGET_SECONDS; what is left waits for the next run (counted `left_for_next_run`).

    Two runs at once walk the same notices and split them: each claims what the other has not.
    """
    clock = _clock(now)
    started = time.monotonic()
    connection = get_connection()
    last_id = 0
    try:
        while True:
            ids = list(
                FeedbackNotice.objects.filter(_claimable(clock()), id__gt=last_id)
                .order_by("id")
                .values_list("id", flat=True)[:SEND_CHUNK]
            )
            for notice_id in ids:
                if time.monotonic() - started > SEND_BUDGET_SECONDS:
                    left = FeedbackNotice.objects.filter(_claimable(clock()), id__gte=notice_id)
                    counts["left_for_next_run"] += left.count()
                    return
                notice_send(notice_id=notice_id, now=clock(), connection=connection, counts=counts)
            if len(ids) < SEND_CHUNK:
                return
            last_id = ids[-1]
    finally:
        _forget_connection(connection)


def feedback_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat job: record overdue sessions, plan due reminders, withdraw notices nobody needs
    any more, then send what is pending. Safe to run twice at once (module docstring).

    Returns the counts of this run: sent_reminder, sent_overdue, overdue_sessions, withdrawn,
    retry_later, failed, taken_by_another_run, skipped_no_email, skipped_inactive (held: 1 when
    e-mail is not configured and nothing was planned or sent).
    """
    now = now or timezone.now()
    counts: Counter = Counter()
    if not mail_configured():
        logger.warning(
            "feedback reminders held: EMAIL_HOST is not set (DEBUG is off); set it and the "
            "reminders that are due go out on the next run"
        )
        return {"held": 1}
    overdue_sessions_record(now=now, counts=counts)
    reminders_plan(now=now, counts=counts)
    notices_withdraw(now=now, counts=counts)
    notices_send(now=now, counts=counts)
    if counts:
        logger.info(
            "feedback reminders: %s",
            ", ".join(f"{key} {value}" for key, value in sorted(counts.items())),
        )
    if counts["skipped_no_email"] or counts["skipped_inactive"]:
        logger.info(
            "feedback reminders: %s due to users without an e-mail address and %s to "
            "deactivated users were skipped",
            counts["skipped_no_email"],
            counts["skipped_inactive"],
        )
    return {key: value for key, value in counts.items() if value}
