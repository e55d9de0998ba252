"""Celery tasks of the notifications app. Thin: they call a service."""

from __future__ import annotations

from celery import shared_task

from notifications.services import feedback_reminders_send


@shared_task(name="notifications.tasks.feedback_reminders_send_task")
def feedback_reminders_send_task() -> dict[str, int]:
    """Beat, every few minutes: send due feedback reminders and overdue notices (each once)."""
    return feedback_reminders_send()
