"""Passwords pass Django's validators on create and on change (400 naming `password`)."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["password", "12345678", "newbie_hire", "newbie_hire1"])
def test_weak_password_is_refused_on_create(client_for, admin_user, password):
    response = client_for(admin_user).post(
        "/api/v1/users/", {"username": "newbie_hire", "password": password}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["password"]
    assert not User.objects.filter(username="newbie_hire").exists()


@pytest.mark.parametrize("password", ["password", "12345678", "ivan_interviewer"])
def test_weak_password_is_refused_on_change(client_for, admin_user, interviewer, password):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"password": password}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]
    interviewer.refresh_from_db()
    assert interviewer.check_password("correct horse battery")


def test_a_strong_password_is_accepted(client_for, admin_user, interviewer):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"password": "plum tractor seventeen"}, format="json"
    )
    assert response.status_code == 200
    interviewer.refresh_from_db()
    assert interviewer.check_password("plum tractor seventeen")
