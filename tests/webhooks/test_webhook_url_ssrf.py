"""An admin-entered webhook URL must not reach the internal network (SSRF).

Refused when saved and again when each delivery connects: loopback, private, link-local and
cloud metadata addresses, in every spelling the resolver accepts; plain http unless allowed;
no redirect is followed; the connection goes to the address that was checked.
"""

import socket

import pytest

from tests.webhooks.conftest import SECRET
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import (
    webhook_delivery_send,
    webhook_event_emit,
    webhook_events_fan_out,
)

pytestmark = pytest.mark.django_db

INTERNAL_URLS = [
    "https://127.0.0.1/hooks",
    "https://127.1.2.3:8443/hooks",
    "https://[::1]/hooks",
    "https://10.0.0.7/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.10/hooks",
    "https://100.64.0.1/hooks",  # shared address space (carrier NAT)
    "https://169.254.169.254/latest/meta-data/",
    "https://[fe80::1]/hooks",
    "https://[fd00::1]/hooks",
    "https://0.0.0.0/hooks",
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped IPv6
    "https://[::ffff:7f00:1]/hooks",
    "https://[64:ff9b::a00:1]/hooks",  # NAT64 of 10.0.0.1
    "https://2130706433/hooks",  # 127.0.0.1 in decimal
    "https://0177.0.0.1/hooks",  # octal
    "https://0x7f.1/hooks",  # hex, short form
    "https://017700000001/hooks",
]


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOW_INSECURE = False


# IPv6 forms that carry an internal IPv4 address but that Python 3.11's `is_global` calls
# public: IPv4-compatible (::/96, deprecated), IPv4-translated (::ffff:0:0:0/96, RFC 2765) and
# the local-use NAT64 prefix (64:ff9b:1::/48, RFC 8215), which a site's own NAT64 gateway
# translates into its internal IPv4 network.
CARRIED_IPV4_URLS = [
    "https://[::7f00:1]/hooks",  # IPv4-compatible 127.0.0.1
    "https://[::a00:7]/hooks",  # IPv4-compatible 10.0.0.7
    "https://[::ffff:0:7f00:1]/hooks",  # IPv4-translated 127.0.0.1
    "https://[::ffff:0:a9fe:a9fe]/latest/meta-data/",  # IPv4-translated metadata
    "https://[64:ff9b:1::a00:1]/hooks",  # local-use NAT64
    "https://[64:ff9b:1:a00:1:0:0:0]/hooks",  # local-use NAT64, /48 layout (RFC 6052)
]


@pytest.mark.parametrize("url", INTERNAL_URLS + CARRIED_IPV4_URLS)
def test_internal_addresses_are_refused_when_saved(strict, url, admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/", {"url": url, "events": ["loop.decided"]}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_webhook_url"
    assert "url" in response.json()["fields"]
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    ["https://[::a9fe:a9fe]/latest/meta-data/", "https://[::ffff:0:a9fe:a9fe]/latest/meta-data/"],
)
def test_metadata_carried_in_ipv6_stays_refused_when_private_ones_are_allowed(
    settings, url, admin_user, client_for
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = client_for(admin_user).post(
        "/api/v1/webhooks/", {"url": url, "events": ["loop.decided"]}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert "metadata" in response.json()["message"]


def test_nat64_of_a_public_address_is_still_accepted(strict, admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/",
        {"url": "https://[64:ff9b::5db8:d70e]/hooks", "events": ["loop.decided"]},
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_a_patch_cannot_move_a_webhook_to_an_internal_address(strict, admin_user, client_for):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "https://93.184.215.14/hooks", "events": ["loop.decided"]},
        format="json",
    )
    assert created.status_code == 201

    response = client.patch(
        f"/api/v1/webhooks/{created.json()['id']}/",
        {"url": "https://169.254.169.254/latest/"},
        format="json",
    )

    assert response.status_code == 400
    assert WebhookSubscription.objects.get().url == "https://93.184.215.14/hooks"


def test_a_public_https_address_is_accepted(strict, admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/",
        {"url": "https://93.184.215.14/hooks?team=1", "events": ["loop.decided"]},
        format="json",
    )

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hooks",
        "ftp://93.184.215.14/hooks",
        "file:///etc/passwd",
        "gopher://93.184.215.14/",
        "https://user:pw@93.184.215.14/",
        "https:///nohost",
        "https://93.184.215.14:99999/",
        "not a url",
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(
    strict, url, admin_user, client_for
):
    response = client_for(admin_user).post(
        "/api/v1/webhooks/", {"url": url, "events": ["loop.decided"]}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert "url" in response.json()["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_metadata_addresses_stay_refused_when_private_ones_are_allowed(
    settings, url, admin_user, client_for
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_ALLOW_INSECURE = True

    response = client_for(admin_user).post(
        "/api/v1/webhooks/", {"url": url, "events": ["loop.decided"]}, format="json"
    )

    assert response.status_code == 400
    assert "metadata" in response.json()["message"]


def _pending_delivery(url: str) -> WebhookDelivery:
    subscription = WebhookSubscription.objects.create(
        url=url, events=["loop.decided"], secret=SECRET
    )
    webhook_event_emit(event="loop.decided", data={"loop_id": 1})
    webhook_events_fan_out()  # the worker's part: a delivery per subscription
    return WebhookDelivery.objects.get(subscription=subscription)


def test_the_address_is_checked_again_when_a_delivery_connects(settings, receiver):
    # Saved while internal receivers were allowed; the setting changed since (as DNS may).
    delivery = _pending_delivery(receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE = False

    delivery = webhook_delivery_send(delivery_id=delivery.pk)

    assert receiver.received == []
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("Not sent: ")
    assert "loopback address (127.0.0.1)" in delivery.last_error


def test_a_delivery_connects_to_the_address_it_checked_not_to_a_second_lookup(
    monkeypatch, receiver
):
    """DNS rebinding: the name answers with the checked address once, then with another.
    The delivery still arrives, so it connected to the address that was checked."""
    port = receiver.server.server_address[1]
    delivery = _pending_delivery(f"http://receiver.example.test:{port}/hooks/in")
    answers = iter(["127.0.0.1"] + ["203.0.113.9"] * 10)  # TEST-NET-3: nothing answers there
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if host != "receiver.example.test":  # an address literal: no DNS involved
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    delivery = webhook_delivery_send(delivery_id=delivery.pk)

    assert delivery.status == "succeeded", delivery.last_error
    assert lookups == ["receiver.example.test"]
    (request,) = receiver.received
    assert request.headers["host"] == f"receiver.example.test:{port}"
    assert request.verified


def test_a_name_that_rebinds_to_an_internal_address_at_delivery_is_not_sent(
    settings, monkeypatch, receiver
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOW_INSECURE = True
    answer = ["93.184.215.14"]
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host != "rebind.example.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer[0], port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    delivery = _pending_delivery("http://rebind.example.test/hooks")  # public when saved
    answer[0] = "127.0.0.1"

    delivery = webhook_delivery_send(delivery_id=delivery.pk)

    assert delivery.status == "pending"
    assert "loopback address (127.0.0.1)" in delivery.last_error


def test_a_redirect_to_an_internal_address_is_not_followed(receiver):
    from tests.webhooks.receiver import receiver_start, receiver_stop

    internal = receiver_start(SECRET)
    try:
        receiver.then = f"redirect:{internal.url}"
        delivery = _pending_delivery(receiver.url)

        delivery = webhook_delivery_send(delivery_id=delivery.pk)

        assert len(receiver.received) == 1
        assert internal.received == []
        assert delivery.status == "pending"
        assert delivery.last_status_code == 302
        assert "not followed" in delivery.last_error
    finally:
        receiver_stop(internal)


def test_a_name_answering_a_public_and_a_loopback_address_is_not_sent(settings, monkeypatch):
    """Round-robin DNS with one internal answer among public ones (a resolver or a client may
    pick any of them): every answer is checked, not only the first."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOW_INSECURE = True
    answer = [["93.184.215.14"]]
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host != "mixed.example.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answer[0]]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    delivery = _pending_delivery("http://mixed.example.test/hooks")  # public when saved
    answer[0] = ["93.184.215.14", "127.0.0.1"]

    delivery = webhook_delivery_send(delivery_id=delivery.pk)

    assert delivery.status == "pending"
    assert "loopback address (127.0.0.1)" in delivery.last_error
