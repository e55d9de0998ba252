"""A password change (own or by an admin) and a deactivation revoke every token of that user:
a stolen token does not outlive the reset that was meant to lock the thief out."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 7"


def sign_in(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": "correct horse battery"},
        format="json",
    )
    return response.json()["token"]


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_after_an_admin_resets_the_password_is_401(client_for, admin_user, interviewer):
    stolen = sign_in("ivan_interviewer")
    integration = client_with(stolen).post(
        "/api/v1/me/tokens/", {"name": "ats", "expires_in_days": 30}, format="json"
    )
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert client_with(stolen).get("/api/v1/me/").status_code == 401
    assert client_with(integration.json()["token"]).get("/api/v1/me/").status_code == 401


def test_token_after_deactivation_is_401_and_stays_so_after_reactivation(
    client_for, admin_user, interviewer
):
    stolen = sign_in("ivan_interviewer")
    admin = client_for(admin_user)
    url = f"/api/v1/users/{interviewer.pk}/"
    assert admin.patch(url, {"is_active": False}, format="json").status_code == 200
    assert admin.patch(url, {"is_active": True}, format="json").status_code == 200
    assert client_with(stolen).get("/api/v1/me/").status_code == 401


def test_changing_something_else_keeps_the_tokens(client_for, admin_user, interviewer):
    token = sign_in("ivan_interviewer")
    client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"email": "ivan@example.org"}, format="json"
    )
    assert client_with(token).get("/api/v1/me/").status_code == 200


def test_own_password_change_through_the_service_revokes_tokens(interviewer):
    from core.services import user_update

    token = sign_in("ivan_interviewer")
    user_update(actor=interviewer, user=interviewer, password=NEW_PASSWORD)
    assert client_with(token).get("/api/v1/me/").status_code == 401
