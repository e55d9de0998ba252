"""Writes for identity and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction

from core.models import AuditEvent
from core.roles import ROLE_NAMES


def audit_record(
    *, actor: User | None, action: str, target: Any, changes: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one line to the audit trail. Caller is inside the transaction of the change."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        changes=changes or {},
    )


def _set_roles(*, user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    groups = list(Group.objects.filter(name__in=ROLE_NAMES))
    user.groups.remove(*[g for g in groups if g.name not in wanted])
    user.groups.add(*[g for g in groups if g.name in wanted])
    user._role_names = frozenset(wanted)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    email: str = "",
    roles: Iterable[str] = (),
    is_active: bool = True,
) -> User:
    """Create a user with the given roles; an empty password leaves the account unusable."""
    user = User(username=username, email=email, is_active=is_active)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    roles = sorted(set(roles))
    _set_roles(user=user, roles=roles)
    audit_record(actor=actor, action="user.created", target=user, changes={"roles": roles})
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    email: str | None = None,
    password: str | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's details; role changes and deactivation are audited."""
    changes: dict[str, Any] = {}
    if email is not None and email != user.email:
        changes["email"] = [user.email, email]
        user.email = email
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if password:
        user.set_password(password)
        changes["password"] = "changed"
    user.save()
    if roles is not None:
        before = sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
        after = sorted(set(roles))
        if before != after:
            _set_roles(user=user, roles=after)
            changes["roles"] = [before, after]
    if changes:
        audit_record(actor=actor, action="user.updated", target=user, changes=changes)
    return user
