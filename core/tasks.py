"""Celery tasks of the core app. Thin: they call a service."""

from __future__ import annotations

from celery import shared_task

from core.services import idempotency_records_expire


@shared_task(name="core.tasks.idempotency_records_expire_task")
def idempotency_records_expire_task() -> int:
    """Beat: delete idempotent responses older than IDEMPOTENCY_TTL_HOURS."""
    return idempotency_records_expire()
