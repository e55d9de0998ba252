"""Celery tasks of the privacy app. Thin: they call a service."""

from __future__ import annotations

from celery import shared_task

from privacy.services import candidates_erase_expired


@shared_task(name="privacy.tasks.candidates_erase_expired_task")
def candidates_erase_expired_task() -> list[int]:
    """Beat, daily: erase candidates without loop activity for CANDIDATE_RETENTION_DAYS."""
    return candidates_erase_expired()
