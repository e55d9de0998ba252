"""Reads of webhooks (admins only: the views check the role)."""

from __future__ import annotations

from django.db.models import QuerySet

from webhooks.models import WebhookDelivery, WebhookSubscription


def webhook_subscription_list() -> QuerySet[WebhookSubscription]:
    """Subscriptions not deleted, oldest first."""
    return WebhookSubscription.objects.filter(deleted_at__isnull=True).order_by("id")


def webhook_delivery_list(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's delivery log, newest first (the payload is not read)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription).defer("payload").order_by("-id")
    )
