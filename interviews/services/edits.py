"""Edits and deletes shared by jobs, candidates and loop templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, ProtectedError
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import Candidate, Job, LoopTemplate


def apply_changes(instance: Model, changes: Mapping[str, Any]) -> None:
    """Set each changed field and save the row."""
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


def loggable_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes as the audit trail stores them: related rows by their id."""
    return {k: (v.pk if isinstance(v, Model) else v) for k, v in changes.items()}


@transaction.atomic
def planning_object_delete(*, actor: User, target: Job | Candidate | LoopTemplate) -> None:
    """Delete a job, candidate or template that no loop or template refers to (else 409)."""
    label = target._meta.verbose_name
    audit_record(actor=actor, action=f"{target._meta.model_name}.deleted", target=target)
    try:
        with transaction.atomic():
            target.delete()
    except ProtectedError:
        raise ApplicationError(
            InterviewsErrorCode.IN_USE,
            f"This {label} is used by loops or templates and cannot be deleted.",
            status_code=status.HTTP_409_CONFLICT,
        ) from None
