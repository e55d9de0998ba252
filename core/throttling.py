"""Rate limits: writes per user, and failed logins per username and per address (API.md)."""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def _rate(scope: str) -> str:
    # Read at request time, not import time, so a changed setting takes effect (and tests can
    # set a small limit).
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]


class UserWriteThrottle(SimpleRateThrottle):
    """Writes (anything but GET/HEAD/OPTIONS) per signed-in user: THROTTLE_USER_WRITES."""

    scope = "user_writes"

    def get_rate(self) -> str:
        return _rate(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # redis-py and other cache backends raise their own types
            # The counters live in the shared cache (Redis in production). A limiter that cannot
            # count lets the write through: a scorecard must not depend on Redis
            # (bench/drill_redis_stop.py).
            logger.warning("write rate limit not applied, the cache is unreachable: %s", exc)
            return True

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class FailedLoginLimiter:
    """Counts failed logins in a sliding window, per username and per client address.

    Only failures count, so a user who signs in correctly is never slowed down; once either
    counter is full, every attempt (right or wrong) waits until the window frees a place.
    """

    def __init__(self, username: str, address: str) -> None:
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        self.buckets = [
            (f"login-fail:user:{digest}", _parse(_rate("login_username"))),
            (f"login-fail:addr:{address}", _parse(_rate("login_address"))),
        ]

    def seconds_to_wait(self) -> float:
        now = time.time()
        wait = 0.0
        for key, (limit, window) in self.buckets:
            history = [t for t in _cached_history(key) if t > now - window]
            if len(history) >= limit:
                wait = max(wait, history[-limit] + window - now)
        return wait

    def record_failure(self) -> None:
        now = time.time()
        for key, (limit, window) in self.buckets:
            history = [t for t in _cached_history(key) if t > now - window]
            history.append(now)
            try:
                cache.set(key, history[-limit:], int(window) + 1)
            except Exception:  # cache backends raise their own error types
                logger.warning("failed sign-in not counted: the cache is unreachable")


def _cached_history(key: str) -> list[float]:
    """Failure times kept in the cache; none while the cache is unreachable (sign-ins are then
    not limited rather than all refused with a 500)."""
    try:
        return cache.get(key, [])
    except Exception:  # redis-py and other cache backends raise their own error types
        logger.warning("sign-in limit not applied: the cache is unreachable")
        return []


def _parse(rate: str) -> tuple[int, float]:
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count), float(seconds)
