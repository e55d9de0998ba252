"""WEBHOOK_TIMEOUT_SECONDS bounds the whole attempt, the receiver's DNS lookup included: a name
server that never answers costs one failed attempt of at most the timeout, retried like any
other, and a subscription is refused within the timeout too.

The lookup hangs for real: WEBHOOK_RESOLVER (the documented resolver hook of
webhooks/addresses.py) is a resolver that sends a real DNS query to a UDP server on 127.0.0.1
that never answers (tests/webhooks/dns.py); no answer is faked."""

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from django.utils import timezone

from tests.webhooks.conftest import SECRET
from tests.webhooks.dns import SilentDnsServer, silent_dns_server
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_delivery_send, webhook_event_emit, webhook_events_fan_out

pytestmark = pytest.mark.django_db

HOST = "slow-dns.example.test"
# The attempt's own writes (claim, result) on a busy machine, on top of the timeout.
MARGIN_SECONDS = 1.0


@pytest.fixture
def silent_dns(settings) -> Iterator[SilentDnsServer]:
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RESOLVER = "tests.webhooks.dns.silent_getaddrinfo"
    with silent_dns_server() as server:
        yield server


def _delivery(url: str) -> WebhookDelivery:
    # Stored directly: saving through the API checks (resolves) the URL, which is the next test.
    subscription = WebhookSubscription.objects.create(
        url=url, events=["loop.decided"], secret=SECRET
    )
    webhook_event_emit(event="loop.decided", data={"loop_id": 1})
    webhook_events_fan_out()
    return WebhookDelivery.objects.get(subscription=subscription)


def _timed_send(delivery_id: int) -> tuple[WebhookDelivery, float]:
    started = time.monotonic()
    delivery = webhook_delivery_send(delivery_id=delivery_id)
    return delivery, time.monotonic() - started


def test_a_lookup_that_never_answers_fails_the_attempt_within_the_timeout_and_is_retried(
    silent_dns, settings
):
    delivery = _delivery(f"http://{HOST}/hooks/in")

    delivery, elapsed = _timed_send(delivery.pk)

    assert elapsed < settings.WEBHOOK_TIMEOUT_SECONDS + MARGIN_SECONDS
    assert silent_dns.wait_for(1) == [HOST]  # the query really went out, and got no answer
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("pending", 1, None)
    assert delivery.last_status_code is None
    assert f"{HOST!r} did not resolve within 1 s" in delivery.last_error
    first_delay = settings.WEBHOOK_RETRY_DELAYS_SECONDS[0]
    assert delivery.next_attempt_at <= timezone.now() + dt.timedelta(seconds=first_delay * 1.1)
    subscription = WebhookSubscription.objects.get()
    assert subscription.consecutive_failures == 1

    # Its retry, once due, is a second attempt like the first.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    delivery, elapsed = _timed_send(delivery.pk)

    assert elapsed < settings.WEBHOOK_TIMEOUT_SECONDS + MARGIN_SECONDS
    assert silent_dns.wait_for(2) == [HOST, HOST]
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert f"{HOST!r} did not resolve within 1 s" in delivery.last_error


def test_the_last_attempt_that_cannot_resolve_fails_the_delivery(silent_dns, settings):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [5]
    delivery = _delivery(f"http://{HOST}/hooks/in")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1)

    delivery, elapsed = _timed_send(delivery.pk)

    assert elapsed < settings.WEBHOOK_TIMEOUT_SECONDS + MARGIN_SECONDS
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert "did not resolve within 1 s" in delivery.last_error


def test_a_webhook_whose_host_does_not_resolve_in_time_is_refused_when_saved(
    silent_dns, settings, client_for, admin_user
):
    client = client_for(admin_user)
    assert client.get("/api/v1/webhooks/").status_code == 200  # the first request's imports
    started = time.monotonic()
    response = client.post(
        "/api/v1/webhooks/",
        {"url": f"https://{HOST}/hooks", "events": ["loop.decided"]},
        format="json",
    )
    elapsed = time.monotonic() - started

    assert elapsed < settings.WEBHOOK_TIMEOUT_SECONDS + MARGIN_SECONDS
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid_webhook_url"
    assert "did not resolve within 1 s" in body["fields"]["url"][0]
    assert silent_dns.wait_for(1) == [HOST]
    assert not WebhookSubscription.objects.exists()
