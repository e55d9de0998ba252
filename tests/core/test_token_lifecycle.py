"""Tokens expire, can be revoked one at a time or all at once, are stored hashed, and several may
be live for one user at once (API.md, Additions of 2026-11-30, Tokens)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def sign_in(username: str, password: str = PASSWORD) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_refused(response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "authentication_failed"
    assert "POST /api/v1/auth/token/" in body["message"]


def test_sign_in_returns_a_token_and_when_it_expires(interviewer, settings):
    before = timezone.now()
    body = sign_in("ivan_interviewer")
    assert set(body) == {"token", "expires_at"}
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    ttl = datetime.timedelta(hours=24)
    assert before + ttl <= expires_at <= timezone.now() + ttl
    assert client_with(body["token"]).get("/api/v1/me/").status_code == 200


def test_each_sign_in_is_a_new_token_and_both_work(interviewer):
    laptop, phone = sign_in("ivan_interviewer"), sign_in("ivan_interviewer")
    assert laptop["token"] != phone["token"]
    assert client_with(laptop["token"]).get("/api/v1/me/").status_code == 200
    assert client_with(phone["token"]).get("/api/v1/me/").status_code == 200


def test_tokens_are_stored_as_digests_not_as_the_token(interviewer):
    token = sign_in("ivan_interviewer")["token"]
    row = ApiToken.objects.get(user=interviewer)
    assert token not in (row.digest, row.token_key)
    assert len(row.digest) == 128  # SHA-512, hex


def test_expired_token_is_401(interviewer):
    token = sign_in("ivan_interviewer")["token"]
    ApiToken.objects.filter(user=interviewer).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert_refused(client_with(token).get("/api/v1/me/"))
    # The expired row is gone, not only refused.
    assert not ApiToken.objects.filter(user=interviewer).exists()


def test_logout_revokes_only_the_token_it_is_sent_with(interviewer):
    laptop, phone = sign_in("ivan_interviewer")["token"], sign_in("ivan_interviewer")["token"]
    response = client_with(laptop).post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert_refused(client_with(laptop).get("/api/v1/me/"))
    assert client_with(phone).get("/api/v1/me/").status_code == 200


def test_logout_all_revokes_every_token_of_the_caller_only(interviewer, other_interviewer):
    laptop, phone = sign_in("ivan_interviewer")["token"], sign_in("ivan_interviewer")["token"]
    colleague = sign_in("olga_interviewer")["token"]
    assert client_with(phone).post("/api/v1/auth/logout-all/").status_code == 204
    assert_refused(client_with(laptop).get("/api/v1/me/"))
    assert_refused(client_with(phone).get("/api/v1/me/"))
    assert client_with(colleague).get("/api/v1/me/").status_code == 200


def test_logout_without_a_token_is_401(anonymous_client):
    assert anonymous_client.post("/api/v1/auth/logout/").status_code == 401
    assert anonymous_client.post("/api/v1/auth/logout-all/").status_code == 401


def test_token_ttl_comes_from_the_setting(interviewer, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(hours=2)}
    expires_at = datetime.datetime.fromisoformat(sign_in("ivan_interviewer")["expires_at"])
    assert expires_at <= timezone.now() + datetime.timedelta(hours=2)


def test_a_token_header_that_is_not_text_is_401_not_500(anonymous_client):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token caf\xe9")
    assert_refused(anonymous_client.get("/api/v1/me/"))
