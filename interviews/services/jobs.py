"""Writes for jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import ApplicationError
from core.roles import Role, has_role, is_admin
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import Job, JobTeamMember
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
    """Open a job; its hiring manager must be an active user with the hiring_manager role, and
    is on the job's team from the start (interviews.permissions reads the team)."""
    _check_hiring_manager(hiring_manager)
    job = Job.objects.create(title=title, seniority=seniority, hiring_manager=hiring_manager)
    JobTeamMember.objects.create(
        job=job, user=hiring_manager, role=JobTeamMember.Role.HIRING_MANAGER, added_by=actor
    )
    if actor.pk != hiring_manager.pk and not is_admin(actor):
        # Whoever opens a job for someone else keeps a hand in it, as its coordinator.
        JobTeamMember.objects.create(
            job=job, user=actor, role=JobTeamMember.Role.COORDINATOR, added_by=actor
        )
    audit_record(actor=actor, action="job.created", target=job, changes={"title": title})
    return job


@transaction.atomic
def job_update(*, actor: User, job: Job, changes: Mapping[str, Any]) -> Job:
    """Change a job's title, seniority or hiring manager."""
    if "hiring_manager" in changes:
        _check_hiring_manager(changes["hiring_manager"])
        # The new holder joins the team as a hiring manager (or becomes one, if on it already).
        JobTeamMember.objects.update_or_create(
            job=job,
            user=changes["hiring_manager"],
            defaults={"role": JobTeamMember.Role.HIRING_MANAGER, "added_by": actor},
        )
    apply_changes(job, changes)
    audit_record(actor=actor, action="job.updated", target=job, changes=loggable_changes(changes))
    return job
