"""Rate limits: writes per user (API.md). Failed logins are limited by django-axes on every login
path (core/login_limits.py)."""

from __future__ import annotations

import logging

from django.conf import settings
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
