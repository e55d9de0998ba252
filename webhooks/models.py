"""Webhook subscriptions, the events waiting to be fanned out, and the deliveries (the log).

A delivery's life (webhooks/services.py has the state machine in its docstring): `pending`
(stored in the transaction of the change that caused it) -> `succeeded` (a 2xx) or, after the
last attempt of the retry schedule, `failed`. While a worker sends it, `claimed_until` says how
long that attempt owns it.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from webhooks.events import DELIVERY_EVENTS


class WebhookSubscription(models.Model):
    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list)
    # As given or generated: "whsec_" + base64 of 24..64 random bytes (Standard Webhooks).
    secret = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True, default="")
    # Failed attempts since the last success, and when that run of failures began.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Deleting keeps the row (hidden from the API): a delivery inserted by a change that read
    # the subscription list just before the delete still has its subscription to point at.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64, choices=[(e, e) for e in DELIVERY_EVENTS])
    # The `webhook-id` header: fixed at creation, the same on every attempt (and on a redelivery),
    # so a receiver can drop a message it has already processed.
    message_id = models.CharField(max_length=40)
    # The body, {"type", "timestamp", "data"}, serialised the same way on every attempt.
    payload = models.JSONField()
    # The candidate and loop the payload is about, if any ("candidate_id" and "loop_id" of its
    # data): candidate erasure scrubs these payloads.
    candidate_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    loop_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status="pending"),
            ),
            # The retention job's: finished deliveries, oldest first (webhook_deliveries_prune).
            models.Index(
                fields=["created_at"],
                name="webhook_delivery_finished",
                condition=~Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(next_attempt_at__isnull=True),
                name="webhook_delivery_finished_has_no_next_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.message_id} ({self.status})"


class WebhookEvent(models.Model):
    """An event waiting to be fanned out (the outbox): ONE row per event, inserted in the
    transaction of the change that caused it; a worker turns it into one delivery per
    subscription and deletes it, in one transaction (webhooks/services.py)."""

    event = models.CharField(max_length=64, choices=[(e, e) for e in DELIVERY_EVENTS])
    # The body of every delivery it becomes, {"type", "timestamp", "data"}.
    payload = models.JSONField()
    # The subscriptions active for the event when it happened (they get a delivery each).
    subscription_ids = ArrayField(models.BigIntegerField())
    # Random at the emit; each delivery's `webhook-id` is derived from it and the subscription
    # id (uuid5), so it is fixed per delivery and unique across installations.
    key = models.UUIDField()
    candidate_id = models.BigIntegerField(null=True, blank=True)
    loop_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event} event {self.pk}"
