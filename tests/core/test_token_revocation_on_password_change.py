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


# --- the admin site: the same rule on its own pages ----------------------------------------------


@pytest.fixture
def superuser_in_the_admin_site(client):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", "root@example.com", "root passphrase 42")
    client.force_login(root)
    return client


def test_a_password_set_in_the_admin_site_revokes_tokens_and_the_feed(
    superuser_in_the_admin_site, interviewer
):
    from core.models import AuditEvent, CalendarFeed

    stolen = sign_in("ivan_interviewer")
    assert client_with(stolen).post("/api/v1/me/calendar-feed/").status_code == 201
    response = superuser_in_the_admin_site.post(
        f"/admin/auth/user/{interviewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:2000]
    interviewer.refresh_from_db()
    assert interviewer.check_password(NEW_PASSWORD)
    assert client_with(stolen).get("/api/v1/me/").status_code == 401
    assert not CalendarFeed.objects.filter(user=interviewer).exists()
    entry = AuditEvent.objects.get(action="user.updated", target_id=str(interviewer.pk))
    assert entry.changes["password"] == "changed"
    assert entry.changes["tokens_revoked"] == 1


def test_a_refused_password_in_the_admin_site_revokes_nothing(
    superuser_in_the_admin_site, interviewer
):
    kept = sign_in("ivan_interviewer")
    response = superuser_in_the_admin_site.post(
        f"/admin/auth/user/{interviewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": "another one entirely 9"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert client_with(kept).get("/api/v1/me/").status_code == 200


def test_a_deactivation_in_the_admin_site_revokes_tokens_and_reactivation_keeps_them_gone(
    superuser_in_the_admin_site, interviewer
):
    from django.contrib.auth.models import User

    stolen = sign_in("ivan_interviewer")
    page = f"/admin/auth/user/{interviewer.pk}/change/"

    def save(active: bool):
        user = User.objects.get(pk=interviewer.pk)
        form = {
            "username": user.username,
            "email": user.email,
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "groups": list(user.groups.values_list("pk", flat=True)),
        }
        if active:
            form["is_active"] = "on"
        return superuser_in_the_admin_site.post(page, form)

    assert save(active=False).status_code == 302
    save(active=True)
    assert User.objects.get(pk=interviewer.pk).is_active
    assert client_with(stolen).get("/api/v1/me/").status_code == 401


def test_an_admins_own_password_changed_on_the_admin_site_revokes_their_tokens(client, admin_user):
    from django.contrib.auth.models import User

    admin_user.set_password("correct horse battery")
    admin_user.save()
    stolen = sign_in(admin_user.username)
    client.force_login(User.objects.get(pk=admin_user.pk))
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "correct horse battery",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert client_with(stolen).get("/api/v1/me/").status_code == 401
    # The admin site's own session is kept (Django updates its hash), so they are not signed out.
    assert client.get("/admin/").status_code == 200


def test_the_changepassword_command_revokes_the_users_tokens(interviewer, monkeypatch):
    from django.core.management import call_command

    from core.models import AuditEvent

    stolen = sign_in("ivan_interviewer")
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", "ivan_interviewer")
    interviewer.refresh_from_db()
    assert interviewer.check_password(NEW_PASSWORD)
    assert client_with(stolen).get("/api/v1/me/").status_code == 401
    entry = AuditEvent.objects.get(action="user.updated", target_id=str(interviewer.pk))
    assert entry.changes == {"password": "changed", "tokens_revoked": 1}
