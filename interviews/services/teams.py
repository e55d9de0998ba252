"""Writes of a job's hiring team (API.md additions, Hiring teams).

Who may call these is decided by `interviews.permissions` (MANAGE_TEAM) before they run.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from rest_framework import status

from core.errors import ApplicationError, ErrorCode
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import Job, JobTeamMember


@transaction.atomic
def job_team_member_add(*, actor: User, job: Job, user: User, role: str) -> JobTeamMember:
    """Put an active user on the job's team with a role; a second time is a 409."""
    if not user.is_active:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_TEAM_MEMBER,
            f"User {user.pk} is deactivated; add an active user.",
            {"user": [f"User {user.pk} is not active."]},
        )
    try:
        with transaction.atomic():
            member = JobTeamMember.objects.create(job=job, user=user, role=role, added_by=actor)
    except IntegrityError:
        current = JobTeamMember.objects.filter(job=job, user=user).values_list("role", flat=True)
        message = (
            f"User {user.pk} is already on the team of job {job.pk} as {current.first()}; "
            f"remove them first (DELETE /api/v1/jobs/{job.pk}/team/{user.pk}/) to change the role."
        )
        raise ApplicationError(
            ErrorCode.CONFLICT, message, {"user": [message]}, status_code=status.HTTP_409_CONFLICT
        ) from None
    audit_record(
        actor=actor,
        action="job.team_member_added",
        target=job,
        changes={"user": user.pk, "role": role},
    )
    return member


@transaction.atomic
def job_team_member_remove(*, actor: User, job: Job, user_id: int) -> None:
    """Take a user off the job's team; the job's current hiring manager stays (409)."""
    if user_id == job.hiring_manager_id:
        raise ApplicationError(
            InterviewsErrorCode.TEAM_HIRING_MANAGER,
            f"User {user_id} holds job {job.pk} as its hiring manager and stays on its team; hand "
            "the job to another hiring manager first (PATCH /api/v1/jobs/{id}/ hiring_manager).",
            {"user": [f"User {user_id} is the job's hiring manager."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    deleted, _ = JobTeamMember.objects.filter(job=job, user_id=user_id).delete()
    if not deleted:
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            f"User {user_id} is not on the team of job {job.pk}.",
            status_code=status.HTTP_404_NOT_FOUND,
        )
    audit_record(
        actor=actor, action="job.team_member_removed", target=job, changes={"user": user_id}
    )
