"""Webhooks are for admins only: every other role is refused (403), anonymous callers 401."""

import pytest

from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def subscription(admin_user) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        url="https://93.184.215.14/hooks", events=["loop.decided"], secret=SECRET
    )


def _calls(subscription: WebhookSubscription) -> list[tuple[str, str, dict | None]]:
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="loop.decided",
        message_id="msg_x",
        payload={},
        status="failed",
        next_attempt_at=None,
    )
    base = f"/api/v1/webhooks/{subscription.pk}/"
    body = {"url": "https://93.184.215.14/other", "events": ["loop.decided"]}
    return [
        ("get", "/api/v1/webhooks/", None),
        ("post", "/api/v1/webhooks/", body),
        ("get", base, None),
        ("patch", base, {"url": "http://127.0.0.1:8080/steal"}),
        ("delete", base, None),
        ("post", f"{base}ping/", None),
        ("get", f"{base}deliveries/", None),
        ("post", f"{base}deliveries/{delivery.pk}/redeliver/", None),
    ]


@pytest.mark.parametrize("who", ["hiring_manager", "interviewer", "recruiter", "outsider"])
def test_nobody_but_an_admin_may_read_or_change_webhooks(request, who, client_for, subscription):
    client = client_for(request.getfixturevalue(who))

    for method, path, body in _calls(subscription):
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 403, (method, path, response.content)

    subscription.refresh_from_db()
    assert (subscription.url, subscription.deleted_at) == ("https://93.184.215.14/hooks", None)
    assert WebhookSubscription.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1  # no ping, no redelivery


def test_anonymous_callers_are_asked_to_sign_in(anonymous_client, subscription):
    for method, path, body in _calls(subscription):
        response = getattr(anonymous_client, method)(path, body, format="json")
        assert response.status_code == 401, (method, path)


def test_admin_gets_404_for_a_webhook_or_delivery_that_does_not_exist(
    admin_user, client_for, subscription
):
    client = client_for(admin_user)
    other = WebhookSubscription.objects.create(
        url="https://93.184.215.14/b", events=[], secret=SECRET
    )
    foreign = WebhookDelivery.objects.create(
        subscription=other,
        event="loop.decided",
        message_id="m",
        payload={},
        status="failed",
        next_attempt_at=None,
    )

    assert client.get("/api/v1/webhooks/99999/").status_code == 404
    assert client.post("/api/v1/webhooks/99999/ping/").status_code == 404
    # A delivery of another webhook is not found under this one.
    path = f"/api/v1/webhooks/{subscription.pk}/deliveries/{foreign.pk}/redeliver/"
    assert client.post(path).status_code == 404
