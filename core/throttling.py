"""Rate limits: writes per user, and failed logins per username and per address (API.md)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle


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
        return super().allow_request(request, view)

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
            history = [t for t in cache.get(key, []) if t > now - window]
            if len(history) >= limit:
                wait = max(wait, history[-limit] + window - now)
        return wait

    def record_failure(self) -> None:
        now = time.time()
        for key, (limit, window) in self.buckets:
            history = [t for t in cache.get(key, []) if t > now - window]
            history.append(now)
            cache.set(key, history[-limit:], int(window) + 1)


def _parse(rate: str) -> tuple[int, float]:
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count), float(seconds)
