"""Writes for interviewer pools: the pool, its members, and their training steps (API.md
additions, Interviewer pools). Members are added with a status (a new trainee starts as a
shadow), promoted one step at a time (shadow -> reverse_shadow -> qualified) and taken off.

Nobody but an admin vouches for themselves: a hiring manager (who may interview, and so be a
trainee) cannot promote themselves, nor join a pool past the first step; another hiring manager
or an admin does it. Otherwise the training steps would be a formality for hiring managers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from rest_framework import status

from core.errors import ApplicationError, ErrorCode
from core.roles import is_admin
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import InterviewerPool, PoolMember
from interviews.selectors import assignable_interviewer_ids
from questionbank.models import Competency, Level

NEXT_STEP = {
    PoolMember.Status.SHADOW: PoolMember.Status.REVERSE_SHADOW,
    PoolMember.Status.REVERSE_SHADOW: PoolMember.Status.QUALIFIED,
}


def _refuse_vouching_for_oneself(*, actor: User, user_id: int, message: str, field: str) -> None:
    """403 when a non-admin changes their own training status (module docstring)."""
    if actor.pk == user_id and not is_admin(actor):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            message,
            {field: ["You cannot change your own training status."]},
            status_code=status.HTTP_403_FORBIDDEN,
        )


@transaction.atomic
def interviewer_pool_create(
    *,
    actor: User,
    name: str,
    levels: Sequence[Level] = (),
    competencies: Sequence[Competency] = (),
) -> InterviewerPool:
    """Create a pool covering `levels` and `competencies` (none: any)."""
    pool = InterviewerPool.objects.create(name=name)
    pool.levels.set(levels)
    pool.competencies.set(competencies)
    audit_record(
        actor=actor,
        action="interviewer_pool.created",
        target=pool,
        changes={
            "name": name,
            "levels": sorted(level.slug for level in levels),
            "competencies": sorted(c.slug for c in competencies),
        },
    )
    return pool


@transaction.atomic
def interviewer_pool_update(
    *, actor: User, pool: InterviewerPool, changes: Mapping[str, Any]
) -> InterviewerPool:
    """Rename a pool or change what it covers (a list given replaces the old one)."""
    logged: dict[str, Any] = {}
    if "name" in changes:
        pool.name = logged["name"] = changes["name"]
        pool.save(update_fields=["name"])
    for field in ("levels", "competencies"):
        if field in changes:
            getattr(pool, field).set(changes[field])
            logged[field] = sorted(item.pk for item in changes[field])
    audit_record(actor=actor, action="interviewer_pool.updated", target=pool, changes=logged)
    return pool


@transaction.atomic
def pool_member_add(
    *, actor: User, pool: InterviewerPool, user: User, status_: str = PoolMember.Status.SHADOW
) -> PoolMember:
    """Add a user who may interview to the pool; 409 when they are already a member. A
    non-admin may add themselves as a shadow only (403 otherwise)."""
    if status_ != PoolMember.Status.SHADOW:
        _refuse_vouching_for_oneself(
            actor=actor,
            user_id=user.pk,
            message=f"You cannot add yourself to pool {pool.pk} as {status_}: join as a shadow "
            "(leave out status) and ask another hiring manager or an admin to promote you.",
            field="status",
        )
    if user.pk not in assignable_interviewer_ids(user_ids=[user.pk]):
        raise ApplicationError(
            InterviewsErrorCode.INVALID_POOL,
            f"User {user.pk} cannot interview: a pool member must be an active user with the "
            "interviewer or hiring_manager role.",
            {"user": [f"User {user.pk} is not an active interviewer or hiring manager."]},
        )
    try:
        with transaction.atomic():
            member = PoolMember.objects.create(pool=pool, user=user, status=status_)
    except IntegrityError:
        raise ApplicationError(
            InterviewsErrorCode.POOL_MEMBER_EXISTS,
            f"User {user.pk} is already in pool {pool.pk}; promote them instead.",
            {"user": ["Already a member."]},
            status_code=status.HTTP_409_CONFLICT,
        ) from None
    audit_record(
        actor=actor,
        action="interviewer_pool.member_added",
        target=pool,
        changes={"user": user.pk, "status": status_},
    )
    return member


def _locked_member(pool: InterviewerPool, user_id: int) -> PoolMember:
    member = PoolMember.objects.select_for_update().filter(pool=pool, user_id=user_id).first()
    if member is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            f"User {user_id} is not a member of pool {pool.pk}.",
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return member


@transaction.atomic
def pool_member_remove(*, actor: User, pool: InterviewerPool, user_id: int) -> None:
    """Take a member off the pool. Loops already staffed keep their seats."""
    member = _locked_member(pool, user_id)
    member.delete()
    audit_record(
        actor=actor,
        action="interviewer_pool.member_removed",
        target=pool,
        changes={"user": user_id},
    )


@transaction.atomic
def pool_member_promote(*, actor: User, pool: InterviewerPool, user_id: int) -> PoolMember:
    """Move a trainee one step: shadow -> reverse_shadow -> qualified; 409 once qualified.
    The member's row lock makes two promotions at once take two steps, never skip one.
    A non-admin cannot promote themselves (403)."""
    _refuse_vouching_for_oneself(
        actor=actor,
        user_id=user_id,
        message=f"You cannot promote yourself in pool {pool.pk}: ask another hiring manager or "
        "an admin to promote you.",
        field="user",
    )
    member = _locked_member(pool, user_id)
    step = NEXT_STEP.get(member.status)
    if step is None:
        raise ApplicationError(
            InterviewsErrorCode.ALREADY_QUALIFIED,
            f"User {user_id} is already qualified in pool {pool.pk}; there is no further step.",
            {"status": ["Already qualified."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    before, member.status = member.status, step
    member.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="interviewer_pool.member_promoted",
        target=pool,
        changes={"user": user_id, "status": [before, step]},
    )
    return member
