"""Managing webhooks: the secret shown once, events checked, the delivery log, ping, redeliver."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_event_emit, webhook_events_fan_out

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
URL = "https://93.184.215.14/hooks"


def test_create_without_a_secret_generates_one_and_shows_it_only_once(admin_user, client_for):
    client = client_for(admin_user)

    response = client.post(
        "/api/v1/webhooks/",
        {"url": URL, "events": ["scorecard.submitted", "loop.decided"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body.pop("secret")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert body == {
        "id": body["id"],
        "url": URL,
        "events": ["scorecard.submitted", "loop.decided"],
        "is_active": True,
        "disabled_at": None,
        "disabled_reason": "",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert WebhookSubscription.objects.get().secret == secret
    assert "secret" not in client.get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in client.get("/api/v1/webhooks/").json()["results"][0]


def test_a_given_secret_is_stored_and_not_echoed(admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/",
        {"url": URL, "events": ["loop.decided"], "secret": SECRET},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["secret"] is None
    assert WebhookSubscription.objects.get().secret == SECRET


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": URL, "events": ["loop.decided", "loop.exploded", "cv.read"]}, "events"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": "loop.decided"}, "events"),
        ({"url": URL, "events": [7]}, "events"),
        ({"url": 7, "events": ["loop.decided"]}, "url"),
        ({"events": ["loop.decided"]}, "url"),
        ({"url": URL, "events": ["loop.decided"], "secret": "hunter2"}, "secret"),
        ({"url": URL, "events": ["loop.decided"], "secret": "whsec_c2hvcnQ="}, "secret"),
        ({"url": URL, "events": ["loop.decided"], "is_active": "yes"}, "is_active"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_user, client_for, body, field):
    response = client_for(admin_user).post("/api/v1/webhooks/", body, format="json")

    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["fields"]), response.json()
    assert WebhookSubscription.objects.count() == 0


def test_unknown_events_are_named(admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/",
        {"url": URL, "events": ["loop.decided", "loop.exploded", "cv.read"]},
        format="json",
    )

    assert "loop.exploded, cv.read" in response.json()["message"]


def test_patch_changes_events_and_delete_hides_the_webhook(admin_user, client_for):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()
    path = f"/api/v1/webhooks/{created['id']}/"

    patched = client.patch(path, {"events": ["loop.cancelled"], "is_active": False}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["events"], patched.json()["is_active"]) == (["loop.cancelled"], False)

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert client.get("/api/v1/webhooks/").json()["count"] == 0


def test_emit_reaches_only_active_subscribers_of_the_event(admin_user, client_for):
    client = client_for(admin_user)
    wanted = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()
    other_event = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.cancelled"]}, format="json"
    ).json()
    inactive = client.post(
        "/api/v1/webhooks/",
        {"url": URL, "events": ["loop.decided"], "is_active": False},
        format="json",
    ).json()
    deleted = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()
    client.delete(f"/api/v1/webhooks/{deleted['id']}/")

    webhook_event_emit(event="loop.decided", data={"loop_id": 3, "candidate_id": 9})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.subscription_id == wanted["id"]
    assert delivery.message_id.startswith("msg_")
    assert delivery.candidate_id == 9
    assert delivery.payload["type"] == "loop.decided"
    assert delivery.payload["data"] == {"loop_id": 3, "candidate_id": 9}
    assert {other_event["id"], inactive["id"]}.isdisjoint({delivery.subscription_id})


def test_emit_with_no_subscriber_costs_no_query_and_builds_no_payload():
    webhook_event_emit(event="scorecard.submitted", data={})  # fills the cache

    def payload():
        raise AssertionError("the payload was built for nobody")

    with CaptureQueriesContext(connection) as queries:
        webhook_event_emit(event="scorecard.submitted", data=payload)

    assert len(queries) == 0


def test_delivery_log_is_paginated_with_a_fixed_number_of_queries(
    admin_user, client_for, django_assert_max_num_queries
):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()
    for number in range(30):
        webhook_event_emit(event="loop.decided", data={"loop_id": number})
    webhook_events_fan_out()

    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/?page_size=25")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 30 and len(body["results"]) == 25
    first = body["results"][0]
    assert set(first) == {
        "id",
        "event",
        "message_id",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    }
    assert (first["event"], first["status"], first["attempts"]) == ("loop.decided", "pending", 0)


def test_ping_queues_a_delivery_to_that_webhook_alone(admin_user, client_for):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()

    response = client.post(f"/api/v1/webhooks/{created['id']}/ping/")

    assert response.status_code == 202
    assert response.json()["event"] == "webhook.ping"
    assert response.json()["status"] == "pending"
    assert WebhookDelivery.objects.get().payload["data"]["webhook_id"] == created["id"]


def test_redeliver_sends_the_same_message_again_as_a_new_log_entry(admin_user, client_for):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/", {"url": URL, "events": ["loop.decided"]}, format="json"
    ).json()
    webhook_event_emit(event="loop.decided", data={"loop_id": 1})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    original = WebhookDelivery.objects.get()
    base = f"/api/v1/webhooks/{created['id']}/deliveries/{original.pk}/redeliver/"

    still_pending = client.post(base)
    assert still_pending.status_code == 409

    WebhookDelivery.objects.filter(pk=original.pk).update(
        status="failed", next_attempt_at=None, attempts=8
    )
    response = client.post(base)

    assert response.status_code == 202
    again = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert again.pk != original.pk
    assert (again.message_id, again.payload) == (original.message_id, original.payload)
    assert (again.status, again.attempts) == ("pending", 0)


def test_ping_and_redeliver_of_a_disabled_webhook_say_to_enable_it(admin_user, client_for):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/",
        {"url": URL, "events": ["loop.decided"], "is_active": False},
        format="json",
    ).json()

    response = client.post(f"/api/v1/webhooks/{created['id']}/ping/")

    assert response.status_code == 409
    assert "is_active" in response.json()["message"]


def test_webhook_list_is_paginated_with_a_fixed_number_of_queries(
    admin_user, client_for, django_assert_max_num_queries
):
    client = client_for(admin_user)
    for number in range(12):
        client.post(
            "/api/v1/webhooks/",
            {"url": f"{URL}/{number}", "events": ["loop.decided"]},
            format="json",
        )

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/webhooks/?page_size=10")

    assert response.status_code == 200
    assert response.json()["count"] == 12
    assert [w["url"] for w in response.json()["results"]] == [f"{URL}/{n}" for n in range(10)]
