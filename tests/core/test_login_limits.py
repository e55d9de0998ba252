"""Failed logins are limited on every login path together (token, browsable-API login, admin
login), per username AND address pair: a stranger cannot lock a person out from elsewhere, and a
guesser cannot switch paths to get more tries (django-axes; docs/SECURITY.md, Logins)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"
ATTACKER = "203.0.113.66"
VICTIM_HOME = "198.51.100.7"


@pytest.fixture
def victim(db):
    return UserFactory(username="victim", is_staff=True)


def token_attempt(password: str, address: str, username: str = "victim"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def form_attempt(path: str, password: str, address: str, username: str = "victim"):
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def test_limit_is_ten_failures_then_429_with_retry_after_in_the_error_shape(victim):
    statuses = [token_attempt(f"guess-{i}", ATTACKER).status_code for i in range(11)]
    # Ten passwords are checked; the tenth failure already answers that the pair is locked.
    assert statuses == [400] * 9 + [429, 429]
    locked = token_attempt(RIGHT, ATTACKER)
    assert locked.status_code == 429
    body = locked.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "throttled"
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert f"{locked['Retry-After']} seconds" in body["message"]


def test_a_stranger_cannot_lock_the_victim_out_from_elsewhere(victim):
    for i in range(30):
        token_attempt(f"guess-{i}", ATTACKER)
    assert token_attempt(RIGHT, ATTACKER).status_code == 429
    response = token_attempt(RIGHT, VICTIM_HOME)
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}


def test_forty_wrong_passwords_at_the_browsable_api_login_then_the_right_one_is_refused(victim):
    for i in range(40):
        form_attempt("/api-auth/login/", f"guess-{i}", ATTACKER)
    response = form_attempt("/api-auth/login/", RIGHT, ATTACKER)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in Client().session


def test_forty_wrong_passwords_at_the_admin_login_then_the_right_one_is_refused(victim):
    for i in range(40):
        form_attempt("/admin/login/", f"guess-{i}", ATTACKER)
    response = form_attempt("/admin/login/", RIGHT, ATTACKER)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_failures_on_every_login_path_count_together(victim):
    for i in range(4):
        assert token_attempt(f"t-{i}", ATTACKER).status_code == 400
    for i in range(3):
        assert form_attempt("/api-auth/login/", f"b-{i}", ATTACKER).status_code == 200
    for i in range(2):
        assert form_attempt("/admin/login/", f"a-{i}", ATTACKER).status_code == 200
    # The tenth failure, whichever the path, locks the pair on all three.
    assert form_attempt("/admin/login/", "a-last", ATTACKER).status_code == 429
    assert token_attempt(RIGHT, ATTACKER).status_code == 429
    assert form_attempt("/api-auth/login/", RIGHT, ATTACKER).status_code == 429
    assert form_attempt("/admin/login/", RIGHT, ATTACKER).status_code == 429


def test_the_right_password_works_before_the_limit_and_from_the_browsable_login(victim):
    for i in range(9):
        token_attempt(f"guess-{i}", ATTACKER)
    response = form_attempt("/api-auth/login/", RIGHT, ATTACKER)
    assert response.status_code == 302  # signed in, redirected


def test_successful_logins_are_not_limited(victim):
    for _ in range(25):
        assert token_attempt(RIGHT, ATTACKER).status_code == 200


def test_the_lock_ends_when_the_cool_off_has_passed(victim):
    for i in range(10):
        token_attempt(f"guess-{i}", ATTACKER)
    assert token_attempt(RIGHT, ATTACKER).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert token_attempt(RIGHT, ATTACKER).status_code == 200


def test_failures_while_locked_do_not_extend_the_lock(victim):
    for i in range(10):
        token_attempt(f"guess-{i}", ATTACKER)
    first = AccessAttempt.objects.get()
    for i in range(5):
        assert token_attempt(f"more-{i}", ATTACKER).status_code == 429
    assert AccessAttempt.objects.get().attempt_time == first.attempt_time


def test_unknown_usernames_are_counted_the_same_way(db):
    statuses = [token_attempt("x", ATTACKER, username="nobody").status_code for _ in range(11)]
    assert statuses == [400] * 9 + [429, 429]
