"""Roles are Django groups; staff users are admins (API.md, Who may do what)."""

import enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(enum.StrEnum):
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"
    RECRUITER = "recruiter"


ROLE_NAMES: tuple[str, ...] = tuple(role.value for role in Role)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(
            name for name in user.groups.values_list("name", flat=True) if name in ROLE_NAMES
        )
        user._role_names = cached
    return cached


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def has_role(user, *roles: Role) -> bool:
    """True when the user is an admin or holds any of the roles."""
    if is_admin(user):
        return True
    names = user_roles(user)
    return any(role.value in names for role in roles)
