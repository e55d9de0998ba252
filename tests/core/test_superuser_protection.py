"""Only a superuser may change a superuser (any field) or grant the admin role: a staff admin who
is not a superuser cannot take over the superuser's account by resetting its password."""

import pytest
from django.contrib.auth.models import User

from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="sam_super", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "body",
    [
        {"password": "plum tractor seventeen"},
        {"email": "attacker@example.com"},
        {"is_active": False},
        {"roles": ["interviewer"]},
        {"is_staff": False},
    ],
)
def test_staff_admin_cannot_change_a_superuser(client_for, admin_user, superuser, body):
    response = client_for(admin_user).patch(f"/api/v1/users/{superuser.pk}/", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    superuser.refresh_from_db()
    assert superuser.check_password("correct horse battery")
    assert superuser.email == "sam_super@example.com"
    assert superuser.is_active and superuser.is_staff
    assert not AuditEvent.objects.filter(action="user.updated").exists()


def test_staff_admin_cannot_grant_the_admin_role(client_for, admin_user, interviewer):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"is_staff": True}, format="json"
    )
    assert response.status_code == 403
    interviewer.refresh_from_db()
    assert not interviewer.is_staff


def test_staff_admin_cannot_create_an_admin(client_for, admin_user):
    response = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "sneaky", "password": "plum tractor seventeen", "is_staff": True},
        format="json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


def test_staff_admin_still_manages_ordinary_users(client_for, admin_user, interviewer):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/",
        {"is_staff": False, "roles": ["recruiter"]},
        format="json",
    )
    assert response.status_code == 200


def test_superuser_changes_a_superuser_and_grants_admin(client_for, superuser, interviewer):
    client = client_for(superuser)
    other = UserFactory(username="sue_super", is_staff=True, is_superuser=True)
    assert (
        client.patch(f"/api/v1/users/{other.pk}/", {"email": "sue@example.org"}, format="json")
    ).status_code == 200
    response = client.patch(f"/api/v1/users/{interviewer.pk}/", {"is_staff": True}, format="json")
    assert response.status_code == 200
    assert response.json()["is_staff"] is True
    event = AuditEvent.objects.filter(action="user.updated", target_id=str(interviewer.pk)).get()
    assert event.changes["is_staff"] == [False, True]
