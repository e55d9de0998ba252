"""The delivery log is pruned: finished deliveries (succeeded, or failed for good) older than
WEBHOOK_DELIVERY_RETENTION_DAYS are deleted by a beat task, in batches of bounded statements;
a pending delivery, and an event still waiting for its fan-out, are never deleted, however old.
Real rows in PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from tests.webhooks.conftest import SECRET
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import (
    webhook_deliveries_prune,
    webhook_event_emit,
    webhook_events_fan_out,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=31)  # past the 30 days of retention
RECENT = NOW - dt.timedelta(days=29)


@pytest.fixture(autouse=True)
def thirty_days(settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30


@pytest.fixture
def subscription(db) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        url="https://93.184.215.14/hooks", events=["loop.decided"], secret=SECRET
    )


def _deliveries(subscription, count: int, *, status: str, created_at) -> list[int]:
    pending = status == WebhookDelivery.Status.PENDING
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription,
                event="loop.decided",
                message_id=f"msg_{status}_{created_at:%j}_{n}",
                payload={"type": "loop.decided", "data": {"loop_id": n}},
                status=status,
                attempts=1,
                created_at=created_at,
                next_attempt_at=NOW if pending else None,
                delivered_at=created_at if status == WebhookDelivery.Status.SUCCEEDED else None,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    return [row.pk for row in rows]


def _left() -> set[int]:
    return set(WebhookDelivery.objects.values_list("id", flat=True))


def test_finished_deliveries_past_the_retention_are_deleted_and_recent_ones_kept(subscription):
    old_succeeded = _deliveries(subscription, 2, status="succeeded", created_at=OLD)
    old_failed = _deliveries(subscription, 2, status="failed", created_at=OLD)
    recent = _deliveries(subscription, 1, status="succeeded", created_at=RECENT)
    recent += _deliveries(subscription, 1, status="failed", created_at=RECENT)

    deleted = webhook_deliveries_prune(now=NOW)

    assert deleted == len(old_succeeded) + len(old_failed)
    assert _left() == set(recent)


def test_a_pending_delivery_survives_however_old(subscription):
    years_ago = NOW - dt.timedelta(days=400)
    pending = _deliveries(subscription, 3, status="pending", created_at=years_ago)
    WebhookDelivery.objects.filter(pk=pending[0]).update(
        claimed_until=NOW + dt.timedelta(seconds=30)  # an attempt is in flight
    )
    finished = _deliveries(subscription, 3, status="failed", created_at=years_ago)

    deleted = webhook_deliveries_prune(now=NOW)

    assert deleted == len(finished)
    assert _left() == set(pending)


def test_an_event_waiting_for_its_fan_out_survives_and_so_do_its_pending_deliveries(
    subscription,
):
    webhook_event_emit(event="loop.decided", data={"loop_id": 7})
    WebhookEvent.objects.update(created_at=NOW - dt.timedelta(days=400))  # workers were down

    webhook_deliveries_prune(now=NOW)

    assert WebhookEvent.objects.count() == 1
    (delivery_id,) = webhook_events_fan_out()  # the delivery keeps the event's created_at
    assert WebhookDelivery.objects.get(pk=delivery_id).created_at < OLD

    webhook_deliveries_prune(now=NOW)

    assert _left() == {delivery_id}
    assert WebhookDelivery.objects.get(pk=delivery_id).status == "pending"


def test_pruning_runs_in_bounded_batches_across_more_than_one(subscription):
    old = _deliveries(subscription, 2500, status="succeeded", created_at=OLD)
    pending = _deliveries(subscription, 5, status="pending", created_at=OLD)
    recent = _deliveries(subscription, 5, status="failed", created_at=RECENT)

    with CaptureQueriesContext(connection) as queries:
        deleted = webhook_deliveries_prune(now=NOW, batch_size=1000)

    assert deleted == len(old)
    assert _left() == set(pending) | set(recent)
    deletes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 3  # 1000, 1000, then 500 < 1000: nothing left to look for
    assert all("LIMIT 1000" in sql for sql in deletes)


def test_a_second_run_finds_nothing(subscription):
    _deliveries(subscription, 3, status="succeeded", created_at=OLD)

    assert webhook_deliveries_prune(now=NOW) == 3
    assert webhook_deliveries_prune(now=NOW) == 0


def test_the_delivery_log_lists_what_is_left_and_a_pruned_delivery_is_gone(
    subscription, admin_user, client_for
):
    (pruned,) = _deliveries(subscription, 1, status="failed", created_at=OLD)
    (kept,) = _deliveries(subscription, 1, status="failed", created_at=RECENT)
    webhook_deliveries_prune(now=NOW)
    client = client_for(admin_user)

    log = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()
    redeliver = client.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{pruned}/redeliver/")

    assert [entry["id"] for entry in log["results"]] == [kept]
    assert log["count"] == 1
    assert redeliver.status_code == 404
    assert redeliver.json()["code"] == "not_found"


def test_the_prune_runs_on_the_beat_schedule_beside_the_sweep(subscription):
    celery_app.loader.import_default_modules()  # what a worker does at start
    schedule = celery_app.conf.beat_schedule
    assert "webhook-deliveries-sweep" in schedule
    task = celery_app.tasks[schedule["webhook-deliveries-prune"]["task"]]
    _deliveries(subscription, 2, status="succeeded", created_at=OLD)
    kept = _deliveries(subscription, 1, status="pending", created_at=OLD)

    assert task.apply().get() == 2  # the task itself, run in this process
    assert _left() == set(kept)
