"""Writes for webhooks: subscriptions, emitting events, sending deliveries, the sweep.

Life of a delivery:
- `webhook_event_emit` inserts ONE event row (`WebhookEvent`, the outbox: the payload and the
  ids of the active subscriptions to the event) in the transaction of the change that caused it
  (a rolled-back change sends nothing), and on commit wakes the fan-out: `SET NX` of a
  short-lived key in the cache, and a task message only when this call set it (robust: a broker
  or cache that is down costs the request nothing; the sweep fans out later). Under load many
  submissions share one wake-up: the woken task deletes the key BEFORE it reads the outbox, so
  an event whose wake-up found the key set committed before that read and is fanned out by it.
- `webhook_events_fan_out` (the woken task, and every sweep) claims the waiting events with one
  `DELETE .. FOR UPDATE SKIP LOCKED .. RETURNING` and, in the same transaction, inserts one
  `pending` delivery per subscription, whose `webhook-id` is fixed from then on (uuid5 of the
  event's random key and the subscription id); after commit it publishes their sends.
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
  visibility timeout), after fanning out any event still waiting. The `webhook-id` is the
  message id fixed at the delivery's creation: every attempt and every redelivery of a delivery
  carries the same one.
- A subscription whose every attempt has failed for WEBHOOK_DISABLE_AFTER_DAYS, with at least
  WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row, is disabled (`is_active` false,
  `disabled_reason` saying why); its pending deliveries then end `failed` when their turn comes.
- `webhook_deliveries_prune` (beat, hourly) deletes finished deliveries created more than
  WEBHOOK_DELIVERY_RETENTION_DAYS ago, in batches; never a pending one.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import functools
import json
import logging
import random
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from webhooks.addresses import AddressRefused, receiver_check
from webhooks.events import EVENTS, PING
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.selectors import SUBSCRIPTIONS_CACHE_KEY, webhook_subscriptions_by_event
from webhooks.sending import body_bytes, webhook_post

logger = logging.getLogger(__name__)

# Retries at most this far away go to Celery as a countdown; later ones wait for the sweep.
COUNTDOWN_LIMIT_SECONDS = 60
SWEEP_BATCH = 1000
# Finished deliveries deleted per statement by the retention job.
PRUNE_BATCH = 1000
FAN_OUT_BATCH = 500
# Set (NX) by the emit that publishes a fan-out task, deleted by that task when it starts; the
# timeout only frees the key when the task message was lost (the sweep fans out meanwhile).
FAN_OUT_WAKE_KEY = "webhooks:fan-out-wake:v1"
FAN_OUT_WAKE_SECONDS = 5


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
        receiver_check(url, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
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


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _payload(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": event, "timestamp": timezone.now().isoformat(), "data": dict(data)}


def _about(data: Mapping[str, Any]) -> dict[str, int]:
    return {
        name: value
        for name in ("candidate_id", "loop_id")
        if isinstance(value := data.get(name), int)
    }


def _deliveries_insert(
    *, event: str, data: Mapping[str, Any], subscription_ids: Iterable[int]
) -> list[int]:
    """One pending delivery per subscription, sent after commit (ping: no outbox row)."""
    payload = _payload(event, data)
    about = _about(data)
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription_id=subscription_id,
                event=event,
                message_id=_message_id(),
                payload=payload,
                **about,
            )
            for subscription_id in subscription_ids
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(
        functools.partial(webhook_deliveries_enqueue, delivery_ids=ids), robust=True
    )
    return ids


@functools.cache
def _event_insert_sql() -> str:
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    return (
        f"INSERT INTO {table} (event, payload, subscription_ids, key, candidate_id, loop_id, "
        "created_at) VALUES (%s, %s::jsonb, %s::bigint[], %s, %s, %s, %s)"
    )


def _event_insert(*, event: str, data: Mapping[str, Any], subscription_ids: list[int]) -> None:
    """The outbox row, in one statement without a model instance (on every submission)."""
    about = _about(data)
    with connection.cursor() as cursor:
        cursor.execute(
            _event_insert_sql(),
            [
                event,
                json.dumps(_payload(event, data)),
                subscription_ids,
                uuid.uuid4(),
                about.get("candidate_id"),
                about.get("loop_id"),
                timezone.now(),
            ],
        )


def webhook_event_emit(
    *, event: str, data: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
) -> None:
    """Queue `event` for every active subscription to it, in the caller's transaction.

    `data` is the body's "data": ids and the resource as an admin reads it. Data that concerns a
    candidate carries "candidate_id" or "loop_id" (candidate erasure scrubs those payloads). It
    may be given as a function, called only when someone is subscribed: with no subscriber the
    emit costs one cache read and nothing else. With subscribers it costs one INSERT (the event
    row; the worker fans it out into a delivery per subscription) and, after the caller's
    transaction commits, one cache `SET NX` (a wake-up, published only when no other is on its
    way). A rollback sends nothing.
    """
    if event not in EVENTS:
        raise ValueError(f"{event!r} is not a webhook event")
    subscription_ids = webhook_subscriptions_by_event().get(event)
    if not subscription_ids:
        return
    # One statement, in the caller's transaction (or its own, called outside one).
    _event_insert(
        event=event, data=data() if callable(data) else data, subscription_ids=subscription_ids
    )
    transaction.on_commit(webhook_fan_out_wake, robust=True)


def webhook_fan_out_wake() -> bool:
    """Publish a fan-out task unless one is already on its way (True when this call published).

    Never raises: with the cache or the broker down, the events wait for the sweep."""
    from webhooks.tasks import webhook_events_fan_out_task

    try:
        if not cache.add(FAN_OUT_WAKE_KEY, 1, FAN_OUT_WAKE_SECONDS):
            return False  # a task not yet started will read the outbox after this commit
        webhook_events_fan_out_task.apply_async()
    except Exception:  # redis/kombu raise many types for an unreachable server
        logger.warning("webhook fan-out not woken; the sweep fans the events out", exc_info=True)
        with contextlib.suppress(Exception):
            cache.delete(FAN_OUT_WAKE_KEY)  # the next emit tries again
        return False
    return True


def _delivery_message_id(event_key: uuid.UUID, subscription_id: int) -> str:
    return f"msg_{uuid.uuid5(event_key, str(subscription_id)).hex}"


@functools.cache
def _events_claim_sql() -> str:
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    return (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s "
        "FOR UPDATE SKIP LOCKED) "
        "RETURNING id, event, payload, subscription_ids, key, candidate_id, loop_id, created_at"
    )


def _events_fan_out_batch() -> tuple[int, list[int]]:
    """Claim up to FAN_OUT_BATCH waiting events (deleting them) and insert their deliveries, in
    one transaction; returns how many events, and the delivery ids (sent after commit)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_events_claim_sql(), [FAN_OUT_BATCH])
        events = cursor.fetchall()
        wanted = {sub for row in events for sub in row[3]}
        # Only subscriptions that still exist (a deleted one keeps its row; this guards a purge).
        existing = set(
            WebhookSubscription.objects.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        rows = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    subscription_id=subscription_id,
                    event=event,
                    message_id=_delivery_message_id(key, subscription_id),
                    payload=json.loads(payload) if isinstance(payload, str) else payload,
                    candidate_id=candidate_id,
                    loop_id=loop_id,
                    created_at=created_at,
                )
                for _, event, payload, subscription_ids, key, candidate_id, loop_id, created_at in (
                    events
                )
                for subscription_id in subscription_ids
                if subscription_id in existing
            ],
            batch_size=1000,
        )
        ids = [row.pk for row in rows]
        for start in range(0, len(ids), 100):
            transaction.on_commit(
                functools.partial(
                    webhook_deliveries_enqueue, delivery_ids=ids[start : start + 100]
                ),
                robust=True,
            )
    return len(events), ids


def webhook_events_fan_out() -> list[int]:
    """Turn every waiting event into one pending delivery per subscription it was for, and
    publish their sends. Safe to run concurrently (SKIP LOCKED) and twice (a fanned-out event is
    gone). Returns the new delivery ids."""
    with contextlib.suppress(Exception):  # a cache that is down: the sweep wakes us
        cache.delete(FAN_OUT_WAKE_KEY)  # first: a later emit publishes a new wake-up
    ids: list[int] = []
    while True:
        count, batch = _events_fan_out_batch()
        ids += batch
        if count < FAN_OUT_BATCH:
            return ids


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
        loop_id=delivery.loop_id,
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


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    """Pending and due and not held by a live attempt -> held by this one. Returns the delivery
    with its subscription (`attempts` is the attempt this worker owns), or None when there is
    nothing to claim."""
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
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


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
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    attempt = delivery.attempts
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
        if subscription.consecutive_failures:  # ends a run of failures (read at the claim)
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
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
    Known cost: when the workers are more than the grace behind, a delivery whose message is
    still queued is sent a second message (harmless: the claim lets one attempt through). Events
    are fanned out first (their deliveries are new, so not overdue: no second message).
    """
    webhook_events_fan_out()  # events whose wake-up was lost (their deliveries are not overdue)
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


# --- retention ---------------------------------------------------------------------------------


@functools.cache
def _deliveries_prune_sql() -> str:
    """One batch: the oldest finished deliveries created before the cutoff (the partial index
    `webhook_delivery_finished` holds exactly the finished ones, by `created_at`), rows another
    transaction holds skipped (an erasure rewriting a payload: the next run takes them)."""
    table = connection.ops.quote_name(WebhookDelivery._meta.db_table)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    return (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "
        f"WHERE NOT (status = %s) AND created_at < %s ORDER BY created_at LIMIT %s{skip_locked}) "
        "AND NOT (status = %s)"
    )


def webhook_deliveries_prune(
    *, now: dt.datetime | None = None, batch_size: int = PRUNE_BATCH
) -> int:
    """Delete the finished deliveries (succeeded, or failed for good) created more than
    WEBHOOK_DELIVERY_RETENTION_DAYS ago; return how many.

    A pending delivery is never deleted, however old (its retries are still to come), and
    neither is an event waiting in the outbox: `WebhookEvent` rows leave only through their
    fan-out, which turns them into pending deliveries (with the event's `created_at`), so there
    is no finished event to prune. Each batch of at most `batch_size` rows is one DELETE in a
    transaction of its own, so the locks and the WAL of one statement stay small however long
    the log grew; the run ends with the first batch that is not full. Safe to run twice at once
    (SKIP LOCKED: each row is deleted by one of them) and beside the sweep and the workers (a
    finished delivery is never claimed again; a redelivery is a new row).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    pending = WebhookDelivery.Status.PENDING.value
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_deliveries_prune_sql(), [pending, cutoff, batch_size, pending])
            count = cursor.rowcount
        deleted += count
        if count < batch_size:
            break
    if deleted:
        logger.info("webhook delivery log: %s finished deliveries pruned", deleted)
    return deleted


# --- privacy -----------------------------------------------------------------------------------


def webhook_deliveries_scrub(
    *, candidate_id: int, loop_ids: Iterable[int], scrub: Callable[[Any], Any]
) -> int:
    """Rewrite with `scrub` every stored payload about the candidate or their loops (candidate
    erasure, in the erasure's transaction): the events still waiting for their fan-out first (a
    fan-out holding one commits before this reads it, and its deliveries are then scrubbed
    below), then the deliveries. Returns how many payloads changed."""
    about = Q(candidate_id=candidate_id) | Q(loop_id__in=list(loop_ids))
    changed = 0
    for model in (WebhookEvent, WebhookDelivery):
        rows = model.objects.filter(about).only("id", "payload")
        if model is WebhookEvent:
            rows = rows.select_for_update()
        changed += _payloads_scrub(model, rows, scrub)
    return changed


def _payloads_scrub(model, rows, scrub: Callable[[Any], Any]) -> int:
    changed = []
    for row in rows.iterator(chunk_size=1000):
        scrubbed = scrub(row.payload)
        if scrubbed != row.payload:
            row.payload = scrubbed
            changed.append(row)
    model.objects.bulk_update(changed, ["payload"], batch_size=1000)
    return len(changed)
