"""A worker killed mid-delivery loses nothing: the sweep takes the delivery over once the dead
attempt's claim has run out, and the receiver gets it with the same webhook-id.

The first worker is a real `celery worker` process, killed with SIGKILL while the receiver holds
its request; the second is `start_worker` in this process.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from tests.webhooks.test_webhook_delivery_worker import BROKER_URL, _use_broker, _wait_for_status
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_deliveries_sweep

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _worker_process(timeout_seconds: int) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": BROKER_URL,
        "WEBHOOK_TIMEOUT_SECONDS": str(timeout_seconds),
        "WEBHOOK_CLAIM_MARGIN_SECONDS": "1",
    }
    celery = Path(sys.executable).parent / "celery"
    return subprocess.Popen(
        [
            str(celery),
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_while_the_receiver_hangs_leads_to_a_retry_not_a_loss(
    receiver, subscribe, admin_user, client_for, settings
):
    _use_broker(BROKER_URL)
    app.control.purge()
    created = subscribe(receiver.url, ["loop.decided"])
    receiver.script = ["hang"]
    process = _worker_process(timeout_seconds=8)
    try:
        response = client_for(admin_user).post(f"/api/v1/webhooks/{created['id']}/ping/")
        assert response.status_code == 202
        receiver.wait_for(1, timeout=90)  # the worker is inside the attempt now
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    receiver.release.set()
    delivery = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.claimed_until is not None  # held by the dead attempt, for now

    # The sweep leaves it alone while the dead attempt's claim could still be alive ...
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 0
    if timezone.now() < delivery.claimed_until:
        assert delivery.pk not in webhook_deliveries_sweep()
    while timezone.now() <= delivery.claimed_until:
        time.sleep(0.2)
    # ... and takes it over once the claim has run out: another worker delivers it.
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        assert delivery.pk in webhook_deliveries_sweep()
        delivered = _wait_for_status(delivery.pk, "succeeded")
    connection.close()

    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivered.message_id
    assert second.verified
    assert delivered.attempts == 2
