"""The address half of the login limit is the real client address: with TRUSTED_PROXY_COUNT=0
the peer address only (a client's own X-Forwarded-For is ignored); with N proxies, the N-th entry
from the right of X-Forwarded-For, the one the outermost trusted proxy wrote."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.client_address import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def request_with(forwarded_for: str | None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        (0, None, PROXY),
        (0, "198.51.100.1", PROXY),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # a forged entry in front is skipped
        (2, "203.0.113.9, 10.0.0.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
        (1, None, PROXY),  # reached us without the proxy: the peer is all we know
        (2, "203.0.113.9", PROXY),  # a shorter chain than configured is not trusted
    ],
)
def test_client_address(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_with(forwarded_for)) == expected


def attempt(password: str, forwarded_for: str):
    return APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).post(
        "/api/v1/auth/token/", {"username": "victim", "password": password}, format="json"
    )


def test_behind_one_proxy_everybody_is_not_one_bucket(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="victim")
    for i in range(12):
        attempt(f"guess-{i}", "203.0.113.66")
    assert attempt("correct horse battery", "203.0.113.66").status_code == 429
    assert attempt("correct horse battery", "198.51.100.7").status_code == 200


def test_behind_one_proxy_a_forged_header_does_not_escape_the_lock(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="victim")
    for i in range(10):
        attempt(f"guess-{i}", f"192.0.2.{i}, 203.0.113.66")
    assert attempt("correct horse battery", "192.0.2.200, 203.0.113.66").status_code == 429


def test_without_proxies_a_forged_header_does_not_escape_the_lock(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="victim")
    for i in range(10):
        attempt(f"guess-{i}", f"192.0.2.{i}")
    assert attempt("correct horse battery", "192.0.2.200").status_code == 429


def test_a_request_without_an_address_is_still_answered(anonymous_client):
    # A WSGI call without REMOTE_ADDR (the fuzzer's) or a unix-socket peer: counted without one.
    UserFactory(username="victim")
    response = APIClient(REMOTE_ADDR="").post(
        "/api/v1/auth/token/", {"username": "victim", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert client_address(request_with(None, remote="")) is None
