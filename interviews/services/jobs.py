"""Writes for jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import ApplicationError
from core.roles import Role, has_role
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import Job
from interviews.services.edits import apply_changes, loggable_changes


def _check_hiring_manager(user: User) -> None:
    if not user.is_active or not has_role(user, Role.HIRING_MANAGER):
        raise ApplicationError(
            InterviewsErrorCode.INVALID_HIRING_MANAGER,
            f"User {user.pk} cannot manage a job: choose an active user with the hiring_manager "
            "role.",
            {"hiring_manager": [f"User {user.pk} is not an active hiring manager."]},
        )


@transaction.atomic
def job_create(*, actor: User, title: str, seniority: str, hiring_manager: User) -> Job:
    """Open a job; its hiring manager must be an active user with the hiring_manager role."""
    _check_hiring_manager(hiring_manager)
    job = Job.objects.create(title=title, seniority=seniority, hiring_manager=hiring_manager)
    audit_record(actor=actor, action="job.created", target=job, changes={"title": title})
    return job


@transaction.atomic
def job_update(*, actor: User, job: Job, changes: Mapping[str, Any]) -> Job:
    """Change a job's title, seniority or hiring manager."""
    if "hiring_manager" in changes:
        _check_hiring_manager(changes["hiring_manager"])
    apply_changes(job, changes)
    audit_record(actor=actor, action="job.updated", target=job, changes=loggable_changes(changes))
    return job
