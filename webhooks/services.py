"""Writes for webhooks: subscriptions, emitting events, sending deliveries, the sweep.

Life of a delivery:
- `webhook_event_emit` inserts one `pending` delivery per active subscription to the event, in
  the transaction of the change that caused it (a rolled-back change sends nothing), and on
  commit publishes ONE task message for all of them (robust: a broker that is down costs the
  request nothing; the sweep sends them later).
- `webhook_delivery_send` claims the delivery with one conditional UPDATE (pending, due, not
  held by a live claim): `attempts` goes up by one and `claimed_until` is set to the end of the
  attempt's timeout plus WEBHOOK_CLAIM_MARGIN_SECONDS. Of two workers holding the same message,
  one changes the row; the other does nothing. Every later write is filtered on the attempt that
  owns the row, so a late worker cannot overwrite a newer attempt.
- A 2xx ends it `succeeded`. A non-2xx, a timeout, a refused address or a broken connection
  schedules the next attempt after WEBHOOK_RETRY_DELAYS_SECONDS[attempt - 1] (+-10% jitter);
  after the last delay it ends `failed`. Short delays (a minute or less) are sent as a Celery
  countdown; longer ones are picked up by the sweep.
- `webhook_deliveries_sweep` (beat, every WEBHOOK_SWEEP_EVERY_SECONDS) sends every delivery
  that is due and unclaimed, or whose claim ran out (its worker died mid-attempt: tasks are
  acknowledged late, but a killed worker's message only comes back after the broker's
  visibility timeout). The `webhook-id` is the message id fixed at creation: every attempt and
  every redelivery of a delivery carries the same one.
- A subscription whose every attempt has failed for WEBHOOK_DISABLE_AFTER_DAYS, with at least
  WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row, is disabled (`is_active` false,
  `disabled_reason` saying why); its pending deliveries then end `failed` when their turn comes.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import functools
import logging
import random
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from webhooks.addresses import AddressRefused, receiver_check
from webhooks.events import EVENTS, PING
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.sending import body_bytes, webhook_post

logger = logging.getLogger(__name__)

# The map {event: [subscription ids]} of active subscriptions, read by every emit. Writes to a
# subscription delete it; the timeout bounds how stale a per-process cache (locmem) can be.
SUBSCRIPTIONS_CACHE_KEY = "webhooks:active-subscriptions:v1"
SUBSCRIPTIONS_CACHE_SECONDS = 60
# Retries at most this far away go to Celery as a countdown; later ones wait for the sweep.
COUNTDOWN_LIMIT_SECONDS = 60
SWEEP_BATCH = 1000


class WebhookErrorCode(enum.StrEnum):
    INVALID_URL = "invalid_webhook_url"
    UNKNOWN_EVENT = "unknown_webhook_event"
    INVALID_SECRET = "invalid_webhook_secret"
    SUBSCRIPTION_DISABLED = "webhook_disabled"
    DELIVERY_PENDING = "webhook_delivery_pending"


# --- subscriptions -----------------------------------------------------------------------------


def secret_generate() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_check(secret: str) -> None:
    encoded = secret.removeprefix("whsec_")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raw = b""
    if not secret.startswith("whsec_") or not 24 <= len(raw) <= 64:
        raise ApplicationError(
            WebhookErrorCode.INVALID_SECRET,
            "The secret must be 'whsec_' followed by the base64 of 24 to 64 random bytes; "
            "leave it out and one is generated for you.",
            {"secret": ["Must be whsec_<base64 of 24..64 bytes>."]},
        )


def _url_check(url: str) -> None:
    try:
        receiver_check(url)
    except AddressRefused as exc:
        raise ApplicationError(
            WebhookErrorCode.INVALID_URL, str(exc), {"url": [str(exc)]}
        ) from None


def _events_check(events: list[str]) -> list[str]:
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        message = f"Unknown event(s): {', '.join(unknown)}. Choose among: {', '.join(EVENTS)}."
        raise ApplicationError(WebhookErrorCode.UNKNOWN_EVENT, message, {"events": [message]})
    return list(dict.fromkeys(events))


def _subscriptions_changed() -> None:
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_CACHE_KEY))
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)


@transaction.atomic
def webhook_subscription_create(
    *, actor, url: str, events: list[str], secret: str | None = None, is_active: bool = True
) -> tuple[WebhookSubscription, str | None]:
    """Subscribe `url` to `events`; returns the subscription and the secret if one was generated.

    The URL is checked (scheme, every address its host resolves to) now and again at each
    delivery. Raises ApplicationError (400) naming the field to fix.
    """
    events = _events_check(events)
    _url_check(url)
    generated = None
    if secret is None:
        secret = generated = secret_generate()
    _secret_check(secret)
    subscription = WebhookSubscription.objects.create(
        url=url, events=events, secret=secret, is_active=is_active, created_by=actor
    )
    audit_record(
        actor=actor,
        action="webhook.created",
        target=subscription,
        changes={"url": url, "events": events, "is_active": is_active},
    )
    _subscriptions_changed()
    return subscription, generated


@transaction.atomic
def webhook_subscription_update(
    *, actor, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change url, events, secret or is_active. Setting is_active true again clears a disabled
    subscription's reason and its run of failures (the admin says the receiver is fixed)."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if "events" in changes:
        changes["events"] = _events_check(changes["events"])
    if "url" in changes:
        _url_check(changes["url"])
    if "secret" in changes:
        _secret_check(changes["secret"])
    for name, value in changes.items():
        setattr(subscription, name, value)
    if changes.get("is_active") is True:
        subscription.disabled_at = None
        subscription.disabled_reason = ""
        subscription.consecutive_failures = 0
        subscription.failing_since = None
    subscription.updated_at = timezone.now()
    subscription.save()
    audit_record(
        actor=actor,
        action="webhook.updated",
        target=subscription,
        changes={name: value for name, value in changes.items() if name != "secret"}
        | ({"secret": "rotated"} if "secret" in changes else {}),
    )
    _subscriptions_changed()
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, actor, subscription: WebhookSubscription) -> None:
    """Hide the subscription and stop its deliveries (the row stays: see the model)."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        deleted_at=timezone.now(), is_active=False, updated_at=timezone.now()
    )
    WebhookDelivery.objects.filter(
        subscription_id=subscription.pk, status=WebhookDelivery.Status.PENDING
    ).update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        last_error="The subscription was deleted.",
    )
    audit_record(actor=actor, action="webhook.deleted", target=subscription)
    _subscriptions_changed()


# --- emitting ----------------------------------------------------------------------------------


def _active_subscriptions_by_event() -> dict[str, list[int]]:
    by_event = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if by_event is None:
        by_event = {}
        rows = WebhookSubscription.objects.filter(is_active=True, deleted_at__isnull=True)
        for subscription_id, events in rows.values_list("id", "events").order_by("id"):
            for event in events:
                by_event.setdefault(event, []).append(subscription_id)
        cache.set(SUBSCRIPTIONS_CACHE_KEY, by_event, SUBSCRIPTIONS_CACHE_SECONDS)
    return by_event


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _payload(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": event, "timestamp": timezone.now().isoformat(), "data": dict(data)}


def _deliveries_insert(
    *, event: str, data: Mapping[str, Any], subscription_ids: Iterable[int]
) -> list[int]:
    payload = _payload(event, data)
    candidate_id = data.get("candidate_id")
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription_id=subscription_id,
                event=event,
                message_id=_message_id(),
                payload=payload,
                candidate_id=candidate_id if isinstance(candidate_id, int) else None,
            )
            for subscription_id in subscription_ids
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(
        functools.partial(webhook_deliveries_enqueue, delivery_ids=ids), robust=True
    )
    return ids


def webhook_event_emit(
    *, event: str, data: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
) -> None:
    """Queue `event` for every active subscription to it, in the caller's transaction.

    `data` is the body's "data": ids and the resource as an admin reads it. Data that concerns a
    candidate carries "candidate_id" (candidate erasure scrubs those payloads). It may be given
    as a function, called only when someone is subscribed: with no subscriber the emit costs one
    cache read and nothing else. The deliveries are sent after the caller's transaction commits
    (one task message for all of them); a rollback sends nothing.
    """
    if event not in EVENTS:
        raise ValueError(f"{event!r} is not a webhook event")
    subscription_ids = _active_subscriptions_by_event().get(event)
    if not subscription_ids:
        return
    with transaction.atomic():
        _deliveries_insert(
            event=event, data=data() if callable(data) else data, subscription_ids=subscription_ids
        )


@transaction.atomic
def webhook_ping(*, actor, subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a `webhook.ping` delivery to this subscription alone (whatever its events)."""
    _refuse_if_disabled(subscription)
    ids = _deliveries_insert(
        event=PING,
        data={"webhook_id": subscription.pk, "url": subscription.url},
        subscription_ids=[subscription.pk],
    )
    return WebhookDelivery.objects.get(pk=ids[0])


@transaction.atomic
def webhook_redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same message again (same `webhook-id` and body) as a new delivery of the log."""
    _refuse_if_disabled(delivery.subscription)
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise ApplicationError(
            WebhookErrorCode.DELIVERY_PENDING,
            f"Delivery {delivery.pk} is still pending (next attempt at "
            f"{delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else 'now'}); "
            "redeliver it once it has succeeded or failed.",
            {"delivery": ["Still pending."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    again = WebhookDelivery.objects.create(
        subscription_id=delivery.subscription_id,
        event=delivery.event,
        message_id=delivery.message_id,
        payload=delivery.payload,
        candidate_id=delivery.candidate_id,
    )
    transaction.on_commit(
        functools.partial(webhook_deliveries_enqueue, delivery_ids=[again.pk]), robust=True
    )
    return again


def _refuse_if_disabled(subscription: WebhookSubscription) -> None:
    if not subscription.is_active:
        raise ApplicationError(
            WebhookErrorCode.SUBSCRIPTION_DISABLED,
            f"Webhook {subscription.pk} is disabled"
            + (f" ({subscription.disabled_reason})" if subscription.disabled_reason else "")
            + "; PATCH it with is_active true first.",
            {"is_active": ["The webhook is disabled."]},
            status_code=status.HTTP_409_CONFLICT,
        )


def webhook_deliveries_enqueue(*, delivery_ids: list[int], countdown: float | None = None) -> bool:
    """Publish one task for these deliveries; False (logged) when the broker cannot take it.

    Not atomic: only a publish. Deliveries whose publish failed stay pending and due, and the
    sweep sends them. The task module imports this one; importing it at call time keeps both
    importable on their own.
    """
    from webhooks.tasks import webhook_deliveries_send_task

    try:
        webhook_deliveries_send_task.apply_async((delivery_ids,), countdown=countdown)
    except Exception:  # kombu/redis raise many types for an unreachable broker
        logger.warning(
            "webhook deliveries %s stay pending: the broker is unreachable; the sweep sends them",
            delivery_ids[:20],
            exc_info=True,
        )
        return False
    return True


# --- sending -----------------------------------------------------------------------------------


def _claim(delivery_id: int, now: dt.datetime) -> int | None:
    """Pending and due and not held by a live attempt -> held by this one. Returns the attempt
    number this worker owns, or None when there is nothing to claim."""
    lease = dt.timedelta(
        seconds=settings.WEBHOOK_TIMEOUT_SECONDS + settings.WEBHOOK_CLAIM_MARGIN_SECONDS
    )
    claimed = (
        WebhookDelivery.objects.filter(
            id=delivery_id,
            status=WebhookDelivery.Status.PENDING,
            # A countdown may fire a little early; a second of slack avoids a wasted sweep round.
            next_attempt_at__lte=now + dt.timedelta(seconds=1),
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(attempts=F("attempts") + 1, claimed_until=now + lease)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.values_list("attempts", flat=True).get(id=delivery_id)


def _owned(delivery_id: int, attempt: int):
    return WebhookDelivery.objects.filter(
        id=delivery_id, status=WebhookDelivery.Status.PENDING, attempts=attempt
    )


def retry_delay(attempt: int) -> float | None:
    """Seconds before the attempt after `attempt` failed (jittered +-10%); None: no more."""
    delays = settings.WEBHOOK_RETRY_DELAYS_SECONDS
    if attempt > len(delays):
        return None
    return delays[attempt - 1] * random.uniform(0.9, 1.1)


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Make the next attempt of a delivery, if it is due and not held by another worker.

    Returns the delivery after the attempt, or None when this call had nothing to do (running a
    task twice is harmless). Not one transaction: the claim must be visible to other workers
    while the receiver is being called (for at most WEBHOOK_TIMEOUT_SECONDS).
    """
    attempt = _claim(delivery_id, timezone.now())
    if attempt is None:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active or subscription.deleted_at is not None:
        reason = subscription.disabled_reason or "The subscription is disabled or deleted."
        _owned(delivery_id, attempt).update(
            status=WebhookDelivery.Status.FAILED,
            next_attempt_at=None,
            claimed_until=None,
            attempts=F("attempts") - 1,  # nothing was sent
            last_error=f"Not sent: {reason}",
        )
        return WebhookDelivery.objects.get(pk=delivery_id)
    result = webhook_post(
        url=subscription.url,
        secret=subscription.secret,
        message_id=delivery.message_id,
        body=body_bytes(delivery.payload),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    now = timezone.now()
    if result.succeeded:
        _owned(delivery_id, attempt).update(
            status=WebhookDelivery.Status.SUCCEEDED,
            last_status_code=result.status_code,
            last_error="",
            next_attempt_at=None,
            claimed_until=None,
            delivered_at=now,
        )
        WebhookSubscription.objects.filter(pk=subscription.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0, failing_since=None
        )
    else:
        _attempt_failed(delivery_id, attempt, result, now)
        _subscription_failure_record(subscription_id=subscription.pk, now=now, error=result.error)
    return WebhookDelivery.objects.get(pk=delivery_id)


def _attempt_failed(delivery_id: int, attempt: int, result, now: dt.datetime) -> None:
    delay = retry_delay(attempt)
    common = {"last_status_code": result.status_code, "last_error": result.error}
    if delay is None:
        _owned(delivery_id, attempt).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None, claimed_until=None, **common
        )
        return
    changed = _owned(delivery_id, attempt).update(
        next_attempt_at=now + dt.timedelta(seconds=delay), claimed_until=None, **common
    )
    if changed and delay <= COUNTDOWN_LIMIT_SECONDS:
        webhook_deliveries_enqueue(delivery_ids=[delivery_id], countdown=delay)


def _subscription_failure_record(*, subscription_id: int, now: dt.datetime, error: str) -> None:
    """Count the failed attempt; disable the subscription after a long run of failures."""
    WebhookSubscription.objects.filter(pk=subscription_id).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce("failing_since", now),
    )
    days = settings.WEBHOOK_DISABLE_AFTER_DAYS
    failures = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    disabled = WebhookSubscription.objects.filter(
        pk=subscription_id,
        is_active=True,
        failing_since__lte=now - dt.timedelta(days=days),
        consecutive_failures__gte=failures,
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=(
            f"Disabled at {now.isoformat(timespec='seconds')}: every delivery attempt failed for "
            f"{days} days (at least {failures} in a row); the last one: {error} Fix the receiver "
            "and PATCH is_active true."
        ),
    )
    if disabled:
        logger.warning("webhook %s disabled after a run of failures: %s", subscription_id, error)
        cache.delete(SUBSCRIPTIONS_CACHE_KEY)


def webhook_deliveries_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Send every pending delivery that is overdue and not held by a live attempt.

    Overdue: due for WEBHOOK_SWEEP_GRACE_SECONDS already (its own task message was never sent,
    was lost, or its worker died; a delivery that just became due still has its message on the
    way). Returns the ids sent, at most SWEEP_BATCH per run, the longest waiting first.
    """
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    ids = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=overdue
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in ids:
        webhook_deliveries_enqueue(delivery_ids=[delivery_id])
    if ids:
        logger.info("webhook sweep sent %s overdue deliveries", len(ids))
    return ids


# --- privacy -----------------------------------------------------------------------------------


def webhook_deliveries_scrub(*, candidate_id: int, scrub: Callable[[Any], Any]) -> int:
    """Rewrite with `scrub` every stored payload about the candidate (candidate erasure, in the
    erasure's transaction). Returns how many payloads changed."""
    changed = []
    rows = WebhookDelivery.objects.filter(candidate_id=candidate_id).only("id", "payload")
    for delivery in rows.iterator(chunk_size=1000):
        scrubbed = scrub(delivery.payload)
        if scrubbed != delivery.payload:
            delivery.payload = scrubbed
            changed.append(delivery)
    WebhookDelivery.objects.bulk_update(changed, ["payload"], batch_size=1000)
    return len(changed)
