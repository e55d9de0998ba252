"""Named users, so that permission tests read like sentences."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The default hasher is deliberately slow; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _user_with_roles(username: str, *roles: str, is_staff: bool = False) -> User:
    user = UserFactory(username=username, is_staff=is_staff)
    # get_or_create: a transactional test's flush removes the groups the data migration made.
    user.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in roles])
    return user


@pytest.fixture
def hiring_manager(db) -> User:
    return _user_with_roles("hannah_hm", "hiring_manager")


@pytest.fixture
def interviewer(db) -> User:
    return _user_with_roles("ivan_interviewer", "interviewer")


@pytest.fixture
def other_interviewer(db) -> User:
    return _user_with_roles("olga_interviewer", "interviewer")


@pytest.fixture
def recruiter(db) -> User:
    return _user_with_roles("rita_recruiter", "recruiter")


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but holds no role."""
    return _user_with_roles("oscar_outsider")


@pytest.fixture
def admin_user(db) -> User:
    return _user_with_roles("ada_admin", is_staff=True)


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient that sends a new sign-in token of that user."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            from core.services import token_create

            _row, token = token_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def seed_bank(db):
    """The real question bank of fixtures/questionbank.json."""
    from django.core.management import call_command

    call_command("loaddata", "fixtures/questionbank.json", verbosity=0)


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: calls through the WSGI app itself (the contract fuzzers) must
    not close the connection that holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
