"""A sender killed mid-send leads to a later send, not a loss (and not a second send while its
claim holds). The sender is a separate process running the beat job; it is SIGKILLed while the
real SMTP server holds its message in DATA, before the server accepted it."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import FeedbackNotice
from notifications.services import feedback_reminders_send, send_lease
from tests.notifications.helpers import ended_session

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SENDER = """
import datetime as dt, sys
import django
django.setup()
from notifications.services import feedback_reminders_send
print(feedback_reminders_send(now=dt.datetime.fromisoformat(sys.argv[1])), flush=True)
"""


def _sender_environment(port: int) -> dict[str, str]:
    s = connection.settings_dict
    database_url = (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "30",
        "DEFAULT_FROM_EMAIL": "loops@interviews.example",
    }


def test_sender_killed_mid_send_is_followed_by_one_later_send(smtp_server, interviewer):
    smtp_server.hang_first = True
    now = timezone.now()
    ended_session(interviewers=[interviewer], now=now, hours_ago=2)

    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER, now.isoformat()],
        cwd=ROOT,
        env=_sender_environment(smtp_server.port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert smtp_server.in_data.wait(timeout=60), sender.stderr.read1().decode()
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == -signal.SIGKILL

    notice = FeedbackNotice.objects.get()
    assert (notice.status, notice.attempts, notice.sent_at) == ("pending", 1, None)
    assert notice.claimed_until > now
    assert smtp_server.messages == []

    # While the dead sender's claim holds, nobody sends it (it might still be alive).
    assert feedback_reminders_send(now=now + dt.timedelta(minutes=1)) == {}
    assert smtp_server.messages == []

    # Once the claim has expired, the next run claims it again and sends it.
    counts = feedback_reminders_send(now=now + send_lease() + dt.timedelta(minutes=5))

    assert counts == {"sent_reminder": 1}
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ivan_interviewer@example.com"
    assert message["Message-ID"] == f"<feedback-notice-{notice.pk}@interviews.example>"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
