"""Tokens, /me/, user administration and the failed-login limit (more in test_login_limits.py)."""

import pytest
from django.contrib.auth.models import User

from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_endpoint_returns_a_token_that_authenticates(anonymous_client, hiring_manager):
    response = anonymous_client.post(
        "/api/v1/auth/token/",
        {"username": "hannah_hm", "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anonymous_client.get("/api/v1/me/").json()
    assert me == {
        "id": hiring_manager.pk,
        "username": "hannah_hm",
        "email": "hannah_hm@example.com",
        "roles": ["hiring_manager"],
        "is_admin": False,
    }


def test_wrong_password_is_400_without_saying_which_part_was_wrong(anonymous_client, interviewer):
    response = anonymous_client.post(
        "/api/v1/auth/token/", {"username": "ivan_interviewer", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to sign in with that username and password."


def test_failed_logins_are_limited_per_username_with_retry_after(anonymous_client, settings):
    UserFactory(username="target")
    settings.AXES_FAILURE_LIMIT = 3
    bad = {"username": "target", "password": "guess"}
    statuses = [
        anonymous_client.post("/api/v1/auth/token/", bad, format="json").status_code
        for _ in range(4)
    ]
    # The third failure locks the username (from this address; tests/core/test_login_limits.py).
    assert statuses == [400, 400, 429, 429]
    response = anonymous_client.post(
        "/api/v1/auth/token/",
        {"username": "target", "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_successful_logins_are_not_limited(anonymous_client, interviewer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    good = {"username": "ivan_interviewer", "password": "correct horse battery"}
    for _ in range(5):
        assert anonymous_client.post("/api/v1/auth/token/", good, format="json").status_code == 200


def test_writes_are_limited_per_user(client_for, hiring_manager, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user_writes": "2/min",
        },
    }
    client = client_for(hiring_manager)
    statuses = [
        client.post(
            "/api/v1/competencies/", {"slug": f"c{i}", "name": f"C {i}"}, format="json"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    # Reads are not counted against the write limit.
    assert client.get("/api/v1/me/").status_code == 200


def test_admin_creates_a_user_with_roles_and_it_is_audited(client_for, admin_user):
    body = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": "a-long-password-1",
        "roles": ["interviewer", "recruiter"],
    }
    response = client_for(admin_user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["roles"] == ["interviewer", "recruiter"]
    assert "password" not in created
    assert User.objects.get(username="newbie").check_password("a-long-password-1")
    assert AuditEvent.objects.filter(action="user.created", actor=admin_user).count() == 1


def test_admin_changes_roles_and_the_change_is_audited(client_for, admin_user, interviewer):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"roles": ["recruiter"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["recruiter"]
    event = AuditEvent.objects.get(action="user.updated")
    assert event.changes["roles"] == [["interviewer"], ["recruiter"]]
    assert event.actor == admin_user


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "x y", "password": "a-long-password-1"}, "username"),
        ({"username": "ok", "roles": ["wizard"]}, "roles.0"),
        ({"username": "ok", "password": "short"}, "password"),
        ({"username": "ok", "email": "not-an-email"}, "email"),
    ],
)
def test_bad_user_input_names_the_field(client_for, admin_user, body, field):
    response = client_for(admin_user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_duplicate_username_is_refused(client_for, admin_user, interviewer):
    response = client_for(admin_user).post(
        "/api/v1/users/", {"username": "IVAN_interviewer"}, format="json"
    )
    assert response.status_code == 400
    assert "already exists" in response.json()["fields"]["username"][0]


def test_role_groups_exist_from_the_data_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "hiring_manager",
        "interviewer",
        "recruiter",
    }
