"""Feedback reminders and overdue notices, sent through Django's SMTP backend to a real SMTP
server on 127.0.0.1 (tests/notifications/smtp.py). Each test moves its own `now` forward."""

import datetime as dt

import pytest
from django.utils import timezone

from interviews.models import JobTeamMember, Loop
from notifications.models import FeedbackNotice, OverdueSession
from notifications.services import MAX_SEND_ATTEMPTS, feedback_reminders_send
from privacy.services import candidate_erase
from tests.factories import CandidateFactory, JobFactory, UserFactory
from tests.notifications.helpers import ended_session
from tests.notifications.smtp import body_of

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _subjects(server) -> list[tuple[str, str]]:
    return server.received()


def test_first_reminder_goes_once_the_hour_after_the_session_has_passed(smtp_server, interviewer):
    now = timezone.now()
    job = JobFactory(title="Data Platform Engineer")
    session = ended_session(interviewers=[interviewer], now=now, hours_ago=0.5, job=job)

    assert feedback_reminders_send(now=now) == {}
    assert smtp_server.messages == []

    counts = feedback_reminders_send(now=now + HOUR)

    assert counts == {"sent_reminder": 1}
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ivan_interviewer@example.com"
    assert message["From"] == "loops@interviews.example"
    assert message["Subject"] == f"Scorecard due: Data Platform Engineer, session {session.order}"
    notice = FeedbackNotice.objects.get()
    assert message["Message-ID"] == f"<feedback-notice-{notice.pk}@interviews.example>"
    body = body_of(message)
    assert "Job: Data Platform Engineer" in body
    assert f"Session {session.order}: " in body
    assert "(60 minutes)" in body
    assert "reminder 1 of at most 5" in body
    assert "http" not in body
    assert (notice.kind, notice.sequence, notice.status, notice.attempts) == (
        "reminder",
        1,
        "sent",
        1,
    )
    # The next run, at the same time: nothing new is due.
    assert feedback_reminders_send(now=now + HOUR) == {}
    assert len(smtp_server.messages) == 1


def test_then_one_a_day_and_at_most_five(smtp_server, interviewer):
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)

    for hours in range(0, 8 * 24, 6):  # a run every six hours for eight days
        feedback_reminders_send(now=now + hours * HOUR)

    smtp_server.wait_for(5)
    messages = [m for m in smtp_server.messages if m["To"] == "ivan_interviewer@example.com"]
    assert len(messages) == 5
    assert [f"reminder {n} of at most 5" in body_of(m) for n, m in enumerate(messages, 1)] == [
        True
    ] * 5
    sequences = FeedbackNotice.objects.filter(kind="reminder").values_list("sequence", flat=True)
    assert list(sequences) == [1, 2, 3, 4, 5]


def test_a_beat_that_was_down_for_days_sends_one_reminder_not_a_burst(smtp_server, interviewer):
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=24 * 4)

    feedback_reminders_send(now=now)
    feedback_reminders_send(now=now + HOUR)

    smtp_server.wait_for(2)  # the reminder, and the hiring manager's overdue notice
    assert [m["To"] for m in smtp_server.messages].count("ivan_interviewer@example.com") == 1
    assert FeedbackNotice.objects.filter(kind="reminder").count() == 1


def test_settings_change_when_and_how_often(smtp_server, settings, interviewer):
    settings.FEEDBACK_REMINDER_AFTER_HOURS = 5
    settings.FEEDBACK_REMINDER_MAX = 2
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=4)

    assert feedback_reminders_send(now=now) == {}
    for day in range(5):
        feedback_reminders_send(now=now + HOUR + day * DAY)

    smtp_server.wait_for(2)
    assert [m["To"] for m in smtp_server.messages].count("ivan_interviewer@example.com") == 2
    assert FeedbackNotice.objects.filter(kind="reminder").count() == 2


def test_submitted_scorecard_stops_reminders_and_a_draft_does_not(
    smtp_server, interviewer, other_interviewer
):
    from tests.factories import ScorecardFactory

    now = timezone.now()
    session = ended_session(interviewers=[interviewer, other_interviewer], now=now, hours_ago=2)
    ScorecardFactory(session=session, interviewer=other_interviewer)  # a draft
    ScorecardFactory(
        session=session,
        interviewer=interviewer,
        status="submitted",
        overall_recommendation="yes",
        submitted_at=now,
    )

    feedback_reminders_send(now=now)

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "olga_interviewer@example.com"


def test_reminder_planned_but_not_sent_is_withdrawn_when_the_scorecard_comes_in(
    smtp_server, interviewer
):
    now = timezone.now()
    session = ended_session(interviewers=[interviewer], now=now, hours_ago=2)
    notice = FeedbackNotice.objects.create(
        session=session, recipient=interviewer, kind="reminder", sequence=1, created_at=now
    )
    session.scorecards.create(
        loop=session.loop,
        interviewer=interviewer,
        status="submitted",
        overall_recommendation="no",
        submitted_at=now,
    )

    assert feedback_reminders_send(now=now) == {"withdrawn": 1}
    notice.refresh_from_db()
    assert notice.status == "withdrawn"
    assert smtp_server.messages == []


@pytest.mark.parametrize("status", [Loop.Status.DRAFT, Loop.Status.CANCELLED])
def test_no_reminders_for_loops_that_take_no_scorecards(smtp_server, interviewer, status):
    now = timezone.now()
    session = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
    Loop.objects.filter(pk=session.loop_id).update(status=status)

    assert feedback_reminders_send(now=now + 3 * DAY) == {}
    assert smtp_server.messages == []


def test_no_reminders_or_overdue_notices_once_the_candidate_was_erased(
    smtp_server, interviewer, hiring_manager, admin_user
):
    """Their scorecards can no longer be written (409), so nobody is asked for them; a reminder
    planned but not sent before the erasure is withdrawn."""
    now = timezone.now()
    job = JobFactory(hiring_manager=hiring_manager)
    session = ended_session(interviewers=[interviewer], now=now, hours_ago=3, job=job)
    planned = FeedbackNotice.objects.create(
        session=session, recipient=interviewer, kind="reminder", status="pending"
    )
    candidate_erase(actor=admin_user, candidate_id=session.loop.candidate_id, reason="Asked.")

    counts = feedback_reminders_send(now=now + 3 * DAY)

    assert counts == {"withdrawn": 1}
    planned.refresh_from_db()
    assert planned.status == "withdrawn"
    assert not OverdueSession.objects.exists()
    assert smtp_server.messages == []


def test_no_reminders_for_unscheduled_or_future_sessions(
    smtp_server, interviewer, other_interviewer
):
    now = timezone.now()
    future = ended_session(interviewers=[interviewer], now=now, hours_ago=-5)
    unscheduled = ended_session(interviewers=[other_interviewer], now=now, hours_ago=-5)
    unscheduled.scheduled_at = None
    unscheduled.save()

    assert feedback_reminders_send(now=now) == {}
    assert future.feedback_notices.count() == 0
    assert smtp_server.messages == []


def test_users_without_an_email_address_are_skipped_and_counted(smtp_server, interviewer, caplog):
    now = timezone.now()
    no_address = UserFactory(username="no_address", email="")
    gone = UserFactory(username="gone", is_active=False)
    ended_session(interviewers=[no_address, gone, interviewer], now=now, hours_ago=2)

    with caplog.at_level("INFO", logger="notifications.services"):
        counts = feedback_reminders_send(now=now)

    assert counts == {"sent_reminder": 1, "skipped_no_email": 1, "skipped_inactive": 1}
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["ivan_interviewer@example.com"]
    assert "1 due to users without an e-mail address and 1 to deactivated users" in caplog.text


def test_overdue_tells_each_hiring_manager_of_the_job_once(
    smtp_server, hiring_manager, interviewer, other_interviewer, recruiter
):
    now = timezone.now()
    job = JobFactory(hiring_manager=hiring_manager, title="Staff Analyst")
    second_manager = UserFactory(username="harry_hm")
    JobTeamMember.objects.create(job=job, user=second_manager, role="hiring_manager")
    JobTeamMember.objects.create(job=job, user=recruiter, role="recruiter")
    session = ended_session(
        interviewers=[interviewer, other_interviewer], now=now, hours_ago=1.5, job=job
    )
    session.scorecards.create(
        loop=session.loop,
        interviewer=other_interviewer,
        status="submitted",
        overall_recommendation="no",
        submitted_at=now,
    )

    feedback_reminders_send(now=now)
    counts = feedback_reminders_send(now=now + 46 * HOUR)
    assert counts == {"sent_reminder": 1}  # not overdue yet: ended 47.5 hours before
    counts = feedback_reminders_send(now=now + 47 * HOUR)
    assert counts == {"overdue_sessions": 1, "sent_overdue": 2}
    counts = feedback_reminders_send(now=now + 70 * HOUR)
    assert counts == {"sent_reminder": 1}  # the interviewer's daily reminder, no second notice
    for day in range(3, 8):
        feedback_reminders_send(now=now + day * DAY)

    assert OverdueSession.objects.filter(session=session).count() == 1
    overdue = [m for m in smtp_server.messages if m["Subject"].startswith("Feedback overdue")]
    assert sorted(m["To"] for m in overdue) == [
        "hannah_hm@example.com",
        "harry_hm@example.com",
    ]
    assert {m["Subject"] for m in overdue} == {
        f"Feedback overdue: Staff Analyst, session {session.order}"
    }
    body = body_of(overdue[0])
    assert "Still to submit: ivan_interviewer" in body.splitlines()
    assert "olga_interviewer" not in body


def test_no_candidate_name_in_any_email_erased_or_not(smtp_server, hiring_manager, interviewer):
    now = timezone.now()
    job = JobFactory(hiring_manager=hiring_manager)
    session = ended_session(interviewers=[interviewer], now=now, hours_ago=60, job=job)
    Loop.objects.filter(pk=session.loop_id).update(
        candidate=CandidateFactory(name="Quentin Zarathustra", email="qz@example.com")
    )

    feedback_reminders_send(now=now)

    messages = smtp_server.wait_for(2)
    for message in messages:
        text = message.as_string()
        assert "Quentin" not in text and "Zarathustra" not in text and "qz@" not in text


def test_a_job_title_with_line_breaks_stays_one_subject_line(smtp_server, interviewer):
    now = timezone.now()
    job = JobFactory(title="Analyst\nBcc: everyone@example.com")
    ended_session(interviewers=[interviewer], now=now, hours_ago=2, job=job)

    assert feedback_reminders_send(now=now) == {"sent_reminder": 1}

    [message] = smtp_server.wait_for(1)
    assert message["Bcc"] is None
    assert message["Subject"].startswith("Scorecard due: Analyst Bcc: everyone@example.com")


def test_refused_message_is_retried_later_then_fails_with_the_servers_answer(
    smtp_server, interviewer
):
    smtp_server.refuse = True
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)

    assert feedback_reminders_send(now=now) == {"retry_later": 1}
    notice = FeedbackNotice.objects.get()
    assert notice.status == "pending" and notice.attempts == 1
    assert "550" in notice.error
    # Not again before its back-off ends.
    assert feedback_reminders_send(now=now + dt.timedelta(minutes=1)) == {}
    for attempt in range(2, MAX_SEND_ATTEMPTS + 1):
        feedback_reminders_send(now=notice.claimed_until)
        notice.refresh_from_db()
        assert notice.attempts == attempt

    assert notice.status == "failed"
    assert feedback_reminders_send(now=now + 20 * HOUR) == {}
    smtp_server.refuse = False
    assert smtp_server.messages == []


def test_unreachable_mail_server_loses_nothing(settings, interviewer):
    from tests.notifications.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)

    assert feedback_reminders_send(now=now) == {"retry_later": 1}
    notice = FeedbackNotice.objects.get()
    assert (notice.status, notice.attempts) == ("pending", 1)


def test_reminders_are_held_without_a_mail_server_in_production(settings, interviewer, caplog):
    settings.DEBUG = False
    settings.EMAIL_HOST = ""
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)

    assert feedback_reminders_send(now=now) == {"held": 1}
    assert FeedbackNotice.objects.count() == 0
    assert "EMAIL_HOST is not set" in caplog.text


def test_overdue_queues_one_feedback_overdue_webhook_per_session(
    smtp_server, hiring_manager, interviewer, other_interviewer
):
    from webhooks.models import WebhookDelivery, WebhookSubscription
    from webhooks.services import webhook_events_fan_out

    WebhookSubscription.objects.create(
        url="https://93.184.215.14/hooks",
        events=["feedback.overdue"],
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    now = timezone.now()
    job = JobFactory(hiring_manager=hiring_manager)
    session = ended_session(
        interviewers=[interviewer, other_interviewer], now=now, hours_ago=49, job=job
    )
    ended_session(interviewers=[interviewer], now=now, hours_ago=47, job=job)  # not yet overdue

    feedback_reminders_send(now=now)
    feedback_reminders_send(now=now + DAY)  # the second session goes overdue; the first not again

    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    deliveries = WebhookDelivery.objects.filter(event="feedback.overdue").order_by("id")
    assert deliveries.count() == 2
    data = deliveries[0].payload["data"]
    assert data == {
        "session_id": session.pk,
        "loop_id": session.loop_id,
        "candidate_id": session.loop.candidate_id,
        "job_id": job.pk,
        "ended_at": (session.scheduled_at + HOUR).isoformat(),
        "overdue_after_hours": 48,
        "awaited_interviewers": [interviewer.pk, other_interviewer.pk],
        "session": {
            "id": session.pk,
            "order": session.order,
            "interviewers": [interviewer.pk, other_interviewer.pk],
            "trainees": [],
            "duration_minutes": 60,
            "scheduled_at": data["session"]["scheduled_at"],
            "questions": [],
        },
    }


def test_next_reminder_waits_until_the_previous_one_went(smtp_server, interviewer):
    smtp_server.refuse = True
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)
    assert feedback_reminders_send(now=now) == {"retry_later": 1}

    smtp_server.refuse = False
    feedback_reminders_send(now=now + DAY)  # reminder 1 finally goes; reminder 2 not with it

    [message] = smtp_server.wait_for(1)
    assert "reminder 1 of at most 5" in body_of(message)
    reminders = FeedbackNotice.objects.filter(kind="reminder").order_by("sequence")
    assert list(reminders.values_list("sequence", "status")) == [(1, "sent")]
    feedback_reminders_send(now=now + 2 * DAY + HOUR)
    assert list(reminders.values_list("sequence", "status")) == [(1, "sent"), (2, "sent")]


def test_a_run_sends_in_chunks_and_leaves_the_rest_when_out_of_time(
    smtp_server, monkeypatch, interviewer
):
    now = timezone.now()
    interviewers = [UserFactory(username=f"chunked_{n}") for n in range(5)]
    ended_session(interviewers=interviewers, now=now, hours_ago=2)
    monkeypatch.setattr("notifications.services.SEND_BUDGET_SECONDS", -1)

    assert feedback_reminders_send(now=now) == {"left_for_next_run": 5}
    assert set(FeedbackNotice.objects.values_list("status", "attempts")) == {("pending", 0)}

    monkeypatch.setattr("notifications.services.SEND_BUDGET_SECONDS", 240)
    monkeypatch.setattr("notifications.services.SEND_CHUNK", 2)
    assert feedback_reminders_send(now=now + dt.timedelta(minutes=5)) == {"sent_reminder": 5}
    assert len(smtp_server.wait_for(5)) == 5


def test_notice_of_a_user_deactivated_or_without_address_since_is_withdrawn(
    smtp_server, interviewer, other_interviewer
):
    now = timezone.now()
    session = ended_session(interviewers=[interviewer, other_interviewer], now=now, hours_ago=2)
    for user in (interviewer, other_interviewer):
        FeedbackNotice.objects.create(
            session=session, recipient=user, kind="reminder", sequence=1, created_at=now
        )
    interviewer.email = ""
    interviewer.save()
    other_interviewer.is_active = False
    other_interviewer.save()

    assert feedback_reminders_send(now=now) == {"withdrawn": 2}
    assert set(FeedbackNotice.objects.values_list("status", flat=True)) == {"withdrawn"}
    assert smtp_server.messages == []
