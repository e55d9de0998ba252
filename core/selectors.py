import hmac

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from core.models import ApiToken, CalendarFeed


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("groups").order_by("id")


def integration_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's integration tokens that have not expired, newest first."""
    return ApiToken.objects.filter(
        user=user, kind=ApiToken.Kind.INTEGRATION, expiry__gt=timezone.now()
    ).order_by("-created", "-id")


def calendar_feed_owner(*, secret: str) -> User | None:
    """The active user whose calendar feed `secret` opens, else None (unknown, revoked, rotated,
    or the user deactivated, however that was done: the admin site saves `is_active` without
    the service that revokes the feed).

    The row is found by the secret's SHA-256 digest, so the index compares digests, of which the
    caller controls no prefix; the digests are then compared once more in constant time, so that
    no answer depends on how much of a stored value a guess shares.
    """
    digest = CalendarFeed.digest(secret)
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(secret_hash=digest, user__is_active=True)
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.secret_hash, digest):
        return None
    return feed.user


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """The user's calendar feed (its digest and date only; the secret is nowhere), or None."""
    return CalendarFeed.objects.filter(user=user).first()
