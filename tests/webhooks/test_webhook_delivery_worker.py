"""Deliveries sent by a real Celery worker to a real receiver on 127.0.0.1.

The worker is `start_worker` with the project's app in a thread of this process, on the Redis
broker (CELERY_BROKER_URL); the tests commit for real (transaction=True) so the worker's own
database connection sees the rows. The receiver verifies each signature with the secret using
`standardwebhooks` and can answer 500, close the connection or hang on purpose.
"""

import os
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish, task_postrun
from django.db import connection

from config.celery import app
from tests.factories import rated_session
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import FAN_OUT_WAKE_KEY, webhook_deliveries_sweep, webhook_event_emit

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/5"


def _use_broker(url: str) -> None:
    app.conf.update(broker_url=url, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None


def _close_worker_connection(**kwargs) -> None:
    connection.close()


@pytest.fixture
def broker() -> Iterator[None]:
    """The Redis broker, empty, for this test (a worker may be started later)."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _use_broker(BROKER_URL)
    app.control.purge()
    task_postrun.connect(_close_worker_connection)
    try:
        yield
    finally:
        task_postrun.disconnect(_close_worker_connection)
        app.conf.update(saved)
        _use_broker(saved["broker_url"])
        app.conf.update(saved)


def _worker():
    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20)


@pytest.fixture
def worker(broker) -> Iterator[None]:
    with _worker():
        yield


def _wait_for_status(delivery_id: int, wanted: str, timeout: float = 60.0) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status == wanted:
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_id} still {delivery.status}: {delivery.last_error}")


def test_a_submitted_scorecard_arrives_signed_while_the_api_does_not_wait(
    worker, receiver, subscribe, interviewer, client_for
):
    subscribe(receiver.url, ["scorecard.submitted"])
    plan = rated_session(interviewers=[interviewer])
    receiver.script = ["hang"]  # the first request is held until the test lets go

    response = client_for(interviewer).post("/api/v1/scorecards/", plan.body(), format="json")

    assert response.status_code == 201
    # The API answered while the receiver had answered nothing (it may not even have been
    # called yet): the delivery is off the request path.
    assert receiver.answered == 0
    (request,) = receiver.wait_for(1)
    receiver.release.set()
    assert request.verified, "the signature did not verify with the subscription's secret"
    assert request.path == "/hooks/in"
    assert request.payload["type"] == "scorecard.submitted"
    scorecard = response.json()
    assert request.payload["data"]["scorecard_id"] == scorecard["id"]
    assert request.payload["data"]["scorecard"] == scorecard
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"


def test_a_receiver_down_for_three_tries_gets_the_fourth_with_the_same_webhook_id(
    worker, receiver, subscribe, settings, admin_user, client_for
):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [0.2] * 7
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    created = subscribe(receiver.url, ["loop.decided"])
    receiver.script = ["500", "close", "hang"]

    response = client_for(admin_user).post(f"/api/v1/webhooks/{created['id']}/ping/")

    assert response.status_code == 202
    requests = receiver.wait_for(4)
    delivery = _wait_for_status(response.json()["id"], "succeeded")
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert requests[0].headers["webhook-id"] == delivery.message_id
    assert all(r.verified for r in requests)
    assert len({r.body for r in requests}) == 1  # the same body on every try
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (4, 204, "")
    log = client_for(admin_user).get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()
    assert log["results"][0]["status"] == "succeeded"
    assert log["results"][0]["attempts"] == 4


def test_after_the_last_try_a_delivery_is_failed_with_the_last_answer(
    worker, receiver, subscribe, settings, admin_user, client_for
):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [0.1, 0.1]
    receiver.then = "500"
    created = subscribe(receiver.url, ["loop.decided"])

    response = client_for(admin_user).post(f"/api/v1/webhooks/{created['id']}/ping/")

    delivery = _wait_for_status(response.json()["id"], "failed")
    assert len(receiver.received) == 3
    assert (delivery.attempts, delivery.last_status_code) == (3, 500)
    assert delivery.last_error == "The receiver answered 500."
    assert delivery.next_attempt_at is None


def test_events_whose_wake_up_was_coalesced_are_sent_by_the_one_woken_task(
    broker, receiver, subscribe
):
    subscriptions = [subscribe(receiver.url, ["loop.decided"])["id"] for _ in range(2)]
    published = []

    def count(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(count)
    try:
        # Three events committed before any worker runs: the first publishes the wake-up, the
        # other two find it on its way and publish nothing.
        for loop_id in (1, 2, 3):
            webhook_event_emit(event="loop.decided", data={"loop_id": loop_id})
        assert published == ["webhooks.tasks.webhook_events_fan_out_task"]
        assert WebhookEvent.objects.count() == 3

        with _worker():
            requests = receiver.wait_for(6)  # no sweep runs here: the woken task sent them all
    finally:
        before_task_publish.disconnect(count)

    assert not WebhookEvent.objects.exists()
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert sorted(d.subscription_id for d in deliveries) == sorted(subscriptions * 3)
    assert sorted(r.payload["data"]["loop_id"] for r in requests) == [1, 1, 2, 2, 3, 3]
    assert {r.headers["webhook-id"] for r in requests} == {d.message_id for d in deliveries}
    assert len({d.message_id for d in deliveries}) == 6  # one webhook-id per delivery
    assert all(r.verified for r in requests)


def test_an_event_whose_wake_up_was_lost_is_fanned_out_by_the_sweep(receiver, subscribe):
    from django.core.cache import cache

    subscription = subscribe(receiver.url, ["loop.decided"])
    cache.set(FAN_OUT_WAKE_KEY, 1, 60)  # a wake-up "on its way" whose message was lost

    webhook_event_emit(event="loop.decided", data={"loop_id": 7})
    assert not WebhookDelivery.objects.exists()
    webhook_deliveries_sweep()

    assert not WebhookEvent.objects.exists()
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.subscription_id, delivery.payload["data"]) == (
        subscription["id"],
        {"loop_id": 7},
    )
