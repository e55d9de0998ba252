"""Reads of webhooks (admins only: the views check the role)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from webhooks.models import WebhookDelivery, WebhookSubscription

# The map {event: [subscription ids]} of active subscriptions, read by every emit. Writes to a
# subscription delete it; the timeout bounds how stale a per-process cache (locmem) can be.
SUBSCRIPTIONS_CACHE_KEY = "webhooks:active-subscriptions:v1"
SUBSCRIPTIONS_CACHE_SECONDS = 60


def webhook_subscription_list() -> QuerySet[WebhookSubscription]:
    """Subscriptions not deleted, oldest first."""
    return WebhookSubscription.objects.filter(deleted_at__isnull=True).order_by("id")


def webhook_delivery_list(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's delivery log, newest first (the payload is not read)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription).defer("payload").order_by("-id")
    )


def webhook_subscriptions_by_event() -> dict[str, list[int]]:
    """{event: [ids of the active subscriptions to it]}, from the cache (one query on a miss:
    the first emit after a subscription changed, or after the cache was cleared)."""
    by_event = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if by_event is None:
        by_event = {}
        rows = WebhookSubscription.objects.filter(is_active=True, deleted_at__isnull=True)
        for subscription_id, events in rows.values_list("id", "events").order_by("id"):
            for event in events:
                by_event.setdefault(event, []).append(subscription_id)
        cache.set(SUBSCRIPTIONS_CACHE_KEY, by_event, SUBSCRIPTIONS_CACHE_SECONDS)
    return by_event
