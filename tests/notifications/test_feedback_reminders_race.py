"""Two beat runs at once send every reminder once: two threads, each with its own PostgreSQL
connection, run the job at the same moment against committed rows, through a real SMTP server
that takes a little while per message (so the runs overlap for their whole length)."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connections
from django.utils import timezone

from notifications.models import FeedbackNotice
from notifications.services import feedback_reminders_send
from tests.factories import JobFactory, UserFactory
from tests.notifications.helpers import ended_session

pytestmark = pytest.mark.django_db(transaction=True)


def _two_runs_at_once(now: dt.datetime) -> list[dict[str, int]]:
    start = threading.Barrier(2)
    results: list = [None, None]

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            results[index] = feedback_reminders_send(now=now)
        except Exception as exc:  # shown by the assertion below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(result, dict) for result in results), results
    return results


def test_two_beat_runs_at_once_send_each_reminder_and_notice_once(smtp_server):
    from webhooks.models import WebhookDelivery, WebhookSubscription
    from webhooks.services import webhook_events_fan_out

    WebhookSubscription.objects.create(
        url="https://93.184.215.14/hooks",
        events=["feedback.overdue"],
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    smtp_server.delay = 0.1
    now = timezone.now()
    job = JobFactory(title="Search Relevance Engineer")
    interviewers = [UserFactory(username=f"interviewer_{n}") for n in range(8)]
    for n in range(6):
        ended_session(interviewers=interviewers[n : n + 2], now=now, hours_ago=50, job=job)

    sent = Counter()
    for day in range(3):  # the first reminders and overdue notices, then two daily reminders
        results = _two_runs_at_once(now + dt.timedelta(days=day))
        # Both runs sent some: they really ran at the same time and split the work.
        assert all(r.get("sent_reminder", 0) + r.get("sent_overdue", 0) for r in results), results
        for result in results:
            sent.update(result)

    notices = FeedbackNotice.objects.all()
    # 6 sessions x 2 interviewers x 3 days of reminders, and 6 overdue notices (one manager).
    assert notices.filter(kind="reminder").count() == 36
    assert notices.filter(kind="overdue").count() == 6
    assert set(notices.values_list("status", "attempts")) == {("sent", 1)}
    messages = smtp_server.wait_for(42)
    ids = [m["Message-ID"] for m in messages]
    assert len(ids) == 42 and len(set(ids)) == 42
    assert (sent["sent_reminder"], sent["sent_overdue"], sent["overdue_sessions"]) == (36, 6, 6)
    # One feedback.overdue webhook per session, whichever run recorded it.
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    overdue_events = WebhookDelivery.objects.filter(event="feedback.overdue")
    assert sorted(d.payload["data"]["session_id"] for d in overdue_events) == sorted(
        set(notices.filter(kind="overdue").values_list("session_id", flat=True))
    )
    assert overdue_events.count() == 6
    # Each saw notices the other had claimed first, and left them.
    assert sent["taken_by_another_run"] > 0
    per_pair = Counter((m["To"], m["Subject"]) for m in messages)
    assert sorted(per_pair.values()) == [1] * 6 + [3] * 12
