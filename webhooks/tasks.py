"""Celery tasks of the webhooks app. Thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import (
    webhook_deliveries_enqueue,
    webhook_deliveries_prune,
    webhook_deliveries_sweep,
    webhook_delivery_send,
    webhook_events_fan_out,
)


@shared_task(name="webhooks.tasks.webhook_deliveries_send_task")
def webhook_deliveries_send_task(delivery_ids: list[int]) -> None:
    """Send one delivery; several (one emit's) are split into a task each first, so that a slow
    receiver holds one worker slot, not the deliveries to every other subscription."""
    if len(delivery_ids) == 1:
        webhook_delivery_send(delivery_id=delivery_ids[0])
        return
    for delivery_id in delivery_ids:
        webhook_deliveries_enqueue(delivery_ids=[delivery_id])


@shared_task(name="webhooks.tasks.webhook_deliveries_sweep_task")
def webhook_deliveries_sweep_task() -> list[int]:
    """Beat: send deliveries that are overdue and unclaimed, or whose worker died mid-attempt."""
    return webhook_deliveries_sweep()


@shared_task(name="webhooks.tasks.webhook_events_fan_out_task")
def webhook_events_fan_out_task() -> int:
    """Woken after commit by emits (coalesced): fan the waiting events out into deliveries."""
    return len(webhook_events_fan_out())


@shared_task(name="webhooks.tasks.webhook_deliveries_prune_task")
def webhook_deliveries_prune_task() -> int:
    """Beat: delete finished deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS."""
    return webhook_deliveries_prune()
