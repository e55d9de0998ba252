"""Rate limits: writes per user (API.md); unknown calendar feed secrets per address. Failed logins
are limited by django-axes on every login path (core/login_limits.py)."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from core.client_address import client_address

logger = logging.getLogger(__name__)


def _rate(scope: str) -> str:
    # Read at request time, not import time, so a changed setting takes effect (and tests can
    # set a small limit).
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]


# DRF's sliding window (SimpleRateThrottle) in one round trip to Redis instead of a GET and a SET
# of the whole pickled history: the request times of the last `duration` seconds are the scores
# of a sorted set. Drop those at or before now - duration (as DRF does), refuse when `limit`
# remain (returning how many, and the oldest, for Retry-After), else record this one.
_SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
    return {0, count, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, count + 1, ARGV[1]}
"""
_SLIDING_WINDOW_SHA = hashlib.sha1(_SLIDING_WINDOW_LUA.encode()).hexdigest()


class UserWriteThrottle(SimpleRateThrottle):
    """Writes (anything but GET/HEAD/OPTIONS) per signed-in user: THROTTLE_USER_WRITES.

    With the Redis cache (production) the window is counted by one Lua script; with another
    cache (tests, development) by DRF's own code. Both refuse the same requests."""

    scope = "user_writes"
    # A sorted set in Redis, not DRF's pickled list: its own key, so neither reads the other's.
    cache_format = "throttle_%(scope)s_%(ident)s_times"

    def get_rate(self) -> str:
        return _rate(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        try:
            cache = caches["default"]
            if isinstance(cache, RedisCache):
                return self._allow_in_redis(request, view, cache)
            return super().allow_request(request, view)
        except Exception as exc:  # redis-py and other cache backends raise their own types
            # The counters live in the shared cache (Redis in production). A limiter that cannot
            # count lets the write through: a scorecard must not depend on Redis
            # (bench/drill_redis_stop.py).
            logger.warning("write rate limit not applied, the cache is unreachable: %s", exc)
            return True

    def _allow_in_redis(self, request, view, cache: RedisCache) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        key = cache.make_and_validate_key(key)
        self.now = self.timer()
        args = [
            repr(self.now),
            self.duration,
            self.num_requests,
            f"{self.now!r}:{secrets.token_hex(4)}",  # two requests in the same microsecond
            math.ceil(self.duration),
        ]
        client = cache._cache.get_client(key, write=True)
        try:
            allowed, count, oldest = client.evalsha(_SLIDING_WINDOW_SHA, 1, key, *args)
        except NoScriptError:  # a new or restarted Redis: load the script with this call
            allowed, count, oldest = client.eval(_SLIDING_WINDOW_LUA, 1, key, *args)
        # What DRF's wait() reads: how many requests are in the window, and the oldest last.
        self.history = [float(oldest)] * int(count)
        return bool(allowed)

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class CalendarFeedMissThrottle(SimpleRateThrottle):
    """Unknown calendar feed secrets per client address: THROTTLE_CALENDAR_FEED_MISSES.

    Like failed logins, only misses count: calendar services (Google, Microsoft) fetch every
    subscriber's feed from a few shared addresses, so counting every fetch would refuse a whole
    company's calendars once it grew. Once an address has missed its allowance every feed request
    from it is a 429 until the window slides, a right secret included: answering a right guess
    while refusing wrong ones would tell them apart, which is all a guesser needs. The secret has
    256 bits, so the limit is not what makes guessing hopeless; it makes trying expensive to
    hide and cheap to stop.

    The view calls `allow_request` before the lookup and `record_miss` after a miss, so requests
    in flight at the same moment may overshoot the limit by their number. A cache that cannot
    count lets the request through, as the write limit does.
    """

    scope = "calendar_feed_misses"

    def get_rate(self) -> str:
        return _rate(self.scope)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": client_address(request) or "no-address",
        }

    def allow_request(self, request, view) -> bool:
        """Whether this address may try a secret now; records nothing."""
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        try:
            self.history = self.cache.get(self.key, [])
        except Exception as exc:  # redis-py and other cache backends raise their own types
            logger.warning("calendar feed limit not applied, the cache is unreachable: %s", exc)
            self.history = []
            return True
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) < self.num_requests

    def record_miss(self) -> None:
        """Count one unknown secret against the address `allow_request` was asked about."""
        self.history.insert(0, self.now)
        try:
            self.cache.set(self.key, self.history, self.duration)
        except Exception as exc:  # as above
            logger.warning("calendar feed miss not counted, the cache is unreachable: %s", exc)
