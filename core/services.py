"""Writes for identity and the audit trail."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from knox.settings import knox_settings
from rest_framework import status

from core.errors import ApplicationError, ErrorCode
from core.models import ApiToken, AuditEvent, CalendarFeed, IdempotencyRecord
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


def audit_record_many(
    *, actor: User | None, action: str, targets: Iterable[Any]
) -> list[AuditEvent]:
    """`audit_record` for each of `targets` (the same action, no changes), in one INSERT."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            changes={},
        )
        for target in targets
    )


def role_groups() -> list[Group]:
    """The groups of every role (core.roles), made when missing: the data migration makes them,
    but a flushed database (`manage.py flush`, a transactional test) has none, and a role given
    without its group would be dropped without a word. One query when they exist."""
    groups = list(Group.objects.filter(name__in=ROLE_NAMES))
    missing = sorted(set(ROLE_NAMES) - {g.name for g in groups})
    return groups + [Group.objects.get_or_create(name=name)[0] for name in missing]


def _set_roles(*, user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    groups = role_groups()
    user.groups.remove(*[g for g in groups if g.name not in wanted])
    user.groups.add(*[g for g in groups if g.name in wanted])
    user._role_names = frozenset(wanted)


def _check_password(*, password: str, user: User) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS (length, common, numeric, like the username/e-mail)."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            ErrorCode.VALIDATION_ERROR,
            f"password: {exc.messages[0]} Choose another password.",
            {"password": list(exc.messages)},
        ) from None


def _require_superuser(*, actor: User | None, action: str) -> None:
    """Only a superuser may touch a superuser or grant the admin role: otherwise a staff admin
    could reset a superuser's password and sign in as them, or make an accomplice an admin."""
    if actor is not None and actor.is_superuser:
        return
    raise ApplicationError(
        ErrorCode.PERMISSION_DENIED,
        f"Only a superuser may {action}.",
        status_code=status.HTTP_403_FORBIDDEN,
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    email: str = "",
    roles: Iterable[str] = (),
    is_active: bool = True,
    is_staff: bool = False,
) -> User:
    """Create a user with the given roles; an empty password leaves the account unusable.

    `actor` None is the system (a management command), trusted like a superuser."""
    if is_staff and actor is not None:
        _require_superuser(actor=actor, action="grant the admin role")
    user = User(username=username, email=email, is_active=is_active, is_staff=is_staff)
    if password:
        _check_password(password=password, user=user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    roles = sorted(set(roles))
    _set_roles(user=user, roles=roles)
    changes: dict[str, Any] = {"roles": roles}
    if is_staff:
        changes["is_staff"] = True
    audit_record(actor=actor, action="user.created", target=user, changes=changes)
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
    is_staff: bool | None = None,
) -> User:
    """Change a user's details; role changes and deactivation are audited.

    A new password or a deactivation revokes every token of the user, and their calendar feed, so
    a stolen token or feed URL does not outlive the reset meant to lock its thief out."""
    if user.is_superuser and not actor.is_superuser:
        _require_superuser(actor=actor, action="change a superuser")
    if is_staff is not None and is_staff != user.is_staff:
        _require_superuser(actor=actor, action="grant or remove the admin role")
    if password:
        _check_password(password=password, user=user)
    changes: dict[str, Any] = {}
    if email is not None and email != user.email:
        changes["email"] = [user.email, email]
        user.email = email
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if is_staff is not None and is_staff != user.is_staff:
        changes["is_staff"] = [user.is_staff, is_staff]
        user.is_staff = is_staff
    if password:
        user.set_password(password)
        changes["password"] = "changed"
    user.save()
    if password or is_active is False:
        changes.update(user_credentials_revoke(user=user))
    if roles is not None:
        before = sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
        after = sorted(set(roles))
        if before != after:
            _set_roles(user=user, roles=after)
            changes["roles"] = [before, after]
    if changes:
        audit_record(actor=actor, action="user.updated", target=user, changes=changes)
    return user


def token_create(
    *,
    user: User,
    kind: str = ApiToken.Kind.SIGN_IN,
    name: str = "",
    lifetime: datetime.timedelta | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`: the row (holding only its digest) and the token, to show once.

    A sign-in token lives REST_KNOX["TOKEN_TTL"] (TOKEN_TTL_HOURS). The user's expired tokens are
    swept here, since authentication only deletes the expired token it is shown."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return ApiToken.objects.create(
        user=user,
        expiry=lifetime if lifetime is not None else knox_settings.TOKEN_TTL,
        kind=kind,
        name=name,
    )


def token_revoke(*, token: ApiToken) -> None:
    token.delete()


def user_credentials_revoke(*, user: User) -> dict[str, Any]:
    """Revoke every token of `user` and their calendar feed (a new password or a deactivation,
    from the API or the admin site); what was revoked, in the audit entry's words."""
    changes: dict[str, Any] = {}
    revoked = tokens_revoke_all(user=user)
    if revoked:
        changes["tokens_revoked"] = revoked
    feeds, _ = CalendarFeed.objects.filter(user=user).delete()
    if feeds:
        changes["calendar_feed_revoked"] = True
    return changes


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of `user` (sign-in and integration); returns how many there were."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count


# The calendar feed secret: 32 random bytes (256 bits), URL-safe base64, 43 characters.
CALENDAR_FEED_SECRET_BYTES = 32


@transaction.atomic
def calendar_feed_issue(*, user: User) -> tuple[CalendarFeed, str]:
    """A new calendar feed secret for `user`: the row (holding only the secret's SHA-256) and the
    secret, to show once. A feed already there is rotated: its digest is replaced in the same
    row, so the old URL stops working at the commit. Audited without the secret."""
    secret = secrets.token_urlsafe(CALENDAR_FEED_SECRET_BYTES)
    feed, created = CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"secret_hash": CalendarFeed.digest(secret), "created_at": timezone.now()},
    )
    audit_record(
        actor=user, action="calendar_feed.issued", target=user, changes={"rotated": not created}
    )
    return feed, secret


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Delete the user's calendar feed; False when they had none."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=user, action="calendar_feed.revoked", target=user)
    return bool(deleted)


def idempotency_records_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete stored idempotent responses older than IDEMPOTENCY_TTL_HOURS; return how many.

    A stored response is a copy of what a create answered (a candidate's name and e-mail, a
    scorecard's summary), so it is kept only as long as a client may reasonably retry. One
    DELETE: running it twice at once deletes each row once, and a retry after expiry simply
    creates again (the client waited longer than the documented TTL).
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
