"""The beat task runs in a real Celery worker on the Redis broker and sends through a real SMTP
server (worker fixture as in tests/scoring/test_calibration_report_worker.py)."""

import os
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from django.utils import timezone

from config.celery import app
from notifications.models import FeedbackNotice
from notifications.tasks import feedback_reminders_send_task
from tests.factories import JobFactory
from tests.notifications.helpers import ended_session

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/5"


def _close_worker_connection(**kwargs) -> None:
    # The worker thread's connection would outlive the test and block the database teardown.
    connection.close()


@pytest.fixture
def worker() -> Iterator[None]:
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()
    task_postrun.connect(_close_worker_connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connection)
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


def test_beat_task_in_a_worker_sends_the_due_reminders(worker, smtp_server, interviewer):
    ended_session(interviewers=[interviewer], now=timezone.now(), hours_ago=3)

    feedback_reminders_send_task.delay()

    [message] = smtp_server.wait_for(1, timeout=60)
    assert message["To"] == "ivan_interviewer@example.com"
    assert message["Subject"].startswith("Scorecard due: ")
    notice = FeedbackNotice.objects.get()
    assert (notice.kind, notice.sequence) == ("reminder", 1)


def test_overdue_session_reaches_a_webhook_receiver_signed(
    worker, smtp_server, admin_user, client_for, hiring_manager, interviewer
):
    from tests.webhooks.receiver import receiver_start, receiver_stop

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = receiver_start(secret)
    try:
        created = client_for(admin_user).post(
            "/api/v1/webhooks/",
            {"url": receiver.url, "events": ["feedback.overdue"], "secret": secret},
            format="json",
        )
        assert created.status_code == 201, created.json()
        session = ended_session(
            interviewers=[interviewer],
            now=timezone.now(),
            hours_ago=50,
            job=JobFactory(hiring_manager=hiring_manager),
        )

        feedback_reminders_send_task.delay()

        [request] = receiver.wait_for(1, timeout=60)
    finally:
        receiver_stop(receiver)
    assert request.verified
    assert request.payload["type"] == "feedback.overdue"
    assert request.payload["data"]["session_id"] == session.pk
    assert request.payload["data"]["awaited_interviewers"] == [interviewer.pk]
    messages = smtp_server.wait_for(2, timeout=60)
    assert sorted(m["To"] for m in messages) == [
        "hannah_hm@example.com",
        "ivan_interviewer@example.com",
    ]
