"""The write rate limit counted in Redis (production's cache) by core/throttling.py's one-round-
trip script: it refuses the same requests DRF's own window does, says when to retry, lets the
window slide, and counts each user apart. Against a Redis server started for these tests."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import caches

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

COMPETENCIES_URL = "/api/v1/competencies/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_cache(settings, redis_url):
    working = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    caches["default"].clear()
    yield caches["default"]
    settings.CACHES = working  # back before conftest's autouse fixture clears the cache


def _limit_writes(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user_writes": rate,
        },
    }


def _write(client, index: int):
    return client.post(COMPETENCIES_URL, {"slug": f"c{index}", "name": f"C {index}"}, format="json")


def test_writes_past_the_limit_are_refused_with_retry_after(
    redis_cache, settings, client_for, hiring_manager
):
    _limit_writes(settings, "2/min")
    client = client_for(hiring_manager)

    responses = [_write(client, i) for i in range(3)]

    assert [r.status_code for r in responses] == [201, 201, 429]
    assert responses[2].json()["code"] == "throttled"
    assert 0 < int(responses[2]["Retry-After"]) <= 60
    # Reads are not counted; the window lives in Redis, as a sorted set of request times.
    assert client.get("/api/v1/me/").status_code == 200
    (key,) = redis_cache._cache.get_client().keys("*throttle_user_writes*")
    assert redis_cache._cache.get_client().zcard(key) == 2


def test_the_window_slides(redis_cache, settings, client_for, hiring_manager):
    _limit_writes(settings, "2/s")
    client = client_for(hiring_manager)
    assert [_write(client, i).status_code for i in range(3)] == [201, 201, 429]

    time.sleep(1.1)  # the two counted writes leave the one-second window

    assert _write(client, 3).status_code == 201


def test_each_user_has_their_own_window(
    redis_cache, settings, client_for, hiring_manager, admin_user
):
    _limit_writes(settings, "1/min")
    assert _write(client_for(hiring_manager), 0).status_code == 201
    assert _write(client_for(hiring_manager), 1).status_code == 429

    assert _write(client_for(admin_user), 2).status_code == 201


def test_a_restarted_redis_gets_the_script_again(redis_cache, settings, client_for, hiring_manager):
    _limit_writes(settings, "5/min")
    client = client_for(hiring_manager)
    assert _write(client, 0).status_code == 201
    redis_cache._cache.get_client().script_flush()  # as after a restart

    assert [_write(client, i).status_code for i in range(1, 6)] == [201, 201, 201, 201, 429]
