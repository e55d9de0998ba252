"""Rate limits count in the shared cache (Redis in production); when it is unreachable the
limits are not applied, and writes and sign-ins still work (bench/drill_redis_stop.py shows the
same against a killed Redis under load). Failed sign-ins are counted in the database (django-axes'
database handler), so they are still limited without the cache."""

import pytest

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 9 (discard) on loopback: nothing listens, so every call is refused at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def unreachable_cache(settings):
    # Put the working cache back before conftest's autouse fixture clears it at teardown.
    working = settings.CACHES
    settings.CACHES = UNREACHABLE_REDIS
    yield
    settings.CACHES = working


def test_write_succeeds_when_the_rate_limit_cache_is_unreachable(
    unreachable_cache, client_for, hiring_manager
):
    response = client_for(hiring_manager).post(
        "/api/v1/levels/", {"slug": "staff-plus", "name": "Staff plus", "order": 99}, format="json"
    )
    assert response.status_code == 201, response.json()


def test_sign_in_works_when_the_rate_limit_cache_is_unreachable(
    unreachable_cache, anonymous_client, interviewer
):
    wrong = anonymous_client.post(
        "/api/v1/auth/token/", {"username": "ivan_interviewer", "password": "guess"}, format="json"
    )
    right = anonymous_client.post(
        "/api/v1/auth/token/",
        {"username": "ivan_interviewer", "password": "correct horse battery"},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "validation_error"
    assert right.status_code == 200
    assert set(right.json()) == {"token", "expires_at"}


def test_calendar_feeds_work_when_the_rate_limit_cache_is_unreachable(
    unreachable_cache, anonymous_client, client_for, interviewer
):
    """The unknown-secret limit cannot count: a right secret is served, a wrong one is a 404."""
    secret = client_for(interviewer).post("/api/v1/me/calendar-feed/").json()["secret"]
    feed = anonymous_client.get(f"/api/v1/calendar-feeds/{secret}/calendar.ics")
    wrong = anonymous_client.get("/api/v1/calendar-feeds/wrong/calendar.ics")
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "not_found"
