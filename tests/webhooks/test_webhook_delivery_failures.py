"""What each kind of broken receiver costs: one attempt, bounded by the timeout, then a retry;
and a subscription that fails for long enough is disabled, saying why."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.webhooks.conftest import SECRET
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import (
    webhook_delivery_send,
    webhook_event_emit,
    webhook_events_fan_out,
)

pytestmark = pytest.mark.django_db


def _delivery(url: str, **subscription_fields) -> WebhookDelivery:
    subscription = WebhookSubscription.objects.create(
        url=url, events=["loop.decided"], secret=SECRET, **subscription_fields
    )
    webhook_event_emit(event="loop.decided", data={"loop_id": 1})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    return WebhookDelivery.objects.get(subscription=subscription)


@pytest.mark.parametrize(
    "behaviour, error",
    [
        ("500", "The receiver answered 500."),
        ("close", "RemoteDisconnected"),
        ("hang", "No answer within 1 s (timeout)."),
        # Each byte arrives well within the timeout; the whole answer never does.
        ("trickle", "No answer within 1 s (timeout)."),
    ],
)
def test_a_broken_receiver_costs_one_attempt_and_schedules_a_retry(
    settings, receiver, behaviour, error
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.then = behaviour
    delivery = _delivery(receiver.url)

    delivery = webhook_delivery_send(delivery_id=delivery.pk)

    assert error in delivery.last_error
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("pending", 1, None)
    first_delay = settings.WEBHOOK_RETRY_DELAYS_SECONDS[0]
    assert delivery.next_attempt_at <= timezone.now() + dt.timedelta(seconds=first_delay * 1.1)
    assert len(receiver.received) == 1


def test_a_delivery_held_by_a_live_attempt_is_not_sent_twice(receiver):
    delivery = _delivery(receiver.url)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, claimed_until=timezone.now() + dt.timedelta(seconds=30)
    )

    assert webhook_delivery_send(delivery_id=delivery.pk) is None
    assert receiver.received == []


def test_the_retry_schedule_spans_at_least_six_tries_over_twelve_hours(settings):
    delays = settings.WEBHOOK_RETRY_DELAYS_SECONDS

    assert len(delays) + 1 >= 6
    assert delays[0] * 1.1 <= 60
    assert sum(delays) * 0.9 >= 12 * 3600


def test_a_long_run_of_failures_disables_the_subscription_with_its_reason(
    settings, receiver, admin_user, client_for
):
    settings.WEBHOOK_DISABLE_AFTER_DAYS = 5
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 20
    receiver.then = "500"
    failing_for = timezone.now() - dt.timedelta(days=5, minutes=1)
    delivery = _delivery(receiver.url, consecutive_failures=19, failing_since=failing_for)
    subscription = delivery.subscription
    webhook_event_emit(event="loop.decided", data={"loop_id": 2})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    queued = WebhookDelivery.objects.exclude(pk=delivery.pk).get()

    webhook_delivery_send(delivery_id=delivery.pk)

    body = client_for(admin_user).get(f"/api/v1/webhooks/{subscription.pk}/").json()
    assert body["is_active"] is False
    assert body["disabled_at"] is not None
    assert "every delivery attempt failed for 5 days" in body["disabled_reason"]
    assert "The receiver answered 500." in body["disabled_reason"]
    # Its queued deliveries are not sent, and say why.
    queued = webhook_delivery_send(delivery_id=queued.pk)
    assert (queued.status, queued.attempts) == ("failed", 0)
    assert queued.last_error.startswith("Not sent: Disabled at ")
    assert len(receiver.received) == 1
    # Nothing new is queued for it; enabling it again clears the reason.
    webhook_event_emit(event="loop.decided", data={"loop_id": 3})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    assert WebhookDelivery.objects.count() == 2
    enabled = client_for(admin_user).patch(
        f"/api/v1/webhooks/{subscription.pk}/", {"is_active": True}, format="json"
    )
    assert (enabled.json()["is_active"], enabled.json()["disabled_reason"]) == (True, "")


def test_a_success_ends_the_run_of_failures(receiver):
    delivery = _delivery(
        receiver.url, consecutive_failures=7, failing_since=timezone.now() - dt.timedelta(days=9)
    )

    webhook_delivery_send(delivery_id=delivery.pk)

    subscription = WebhookSubscription.objects.get()
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)
    assert subscription.is_active
