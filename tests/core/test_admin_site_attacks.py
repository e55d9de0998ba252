"""An attacker's pass over the admin site's user pages (core/admin.py): a staff admin who is not
a superuser, given Django's permissions to manage users there (`auth.view_user`,
`auth.change_user`, `auth.add_user`, `auth.delete_user`), tries what the API refuses them
(API.md, Tokens: "Only a superuser may change a superuser or grant the admin role";
tests/core/test_superuser_protection.py holds the API side)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT_PASSWORD = "root passphrase 42"
NEW_PASSWORD = "a brand new passphrase 7"


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", "root@example.com", ROOT_PASSWORD)


@pytest.fixture
def staff(db) -> User:
    """A staff admin who manages users on the admin site, as the site lets a superuser set up."""
    user = UserFactory(username="stella_staff", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth",
            codename__in=["view_user", "change_user", "add_user", "delete_user"],
        )
    )
    return user


@pytest.fixture
def site(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _change_form(user: User, **overrides) -> dict:
    """The change page's form as the browser posts it, for `user` as stored, with `overrides`
    (a True boolean is a ticked box; a False one is left out)."""
    form = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": list(user.user_permissions.values_list("pk", flat=True)),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }
    form.update(overrides)
    return {name: value for name, value in form.items() if value is not False} | {
        name: "on" for name, value in form.items() if value is True
    }


def test_staff_cannot_make_himself_a_superuser(site, staff):
    site.post(f"/admin/auth/user/{staff.pk}/change/", _change_form(staff, is_superuser=True))

    staff.refresh_from_db()
    assert staff.is_superuser is False


def test_staff_cannot_grant_himself_every_permission(site, staff):
    everything = list(Permission.objects.values_list("pk", flat=True))

    site.post(
        f"/admin/auth/user/{staff.pk}/change/", _change_form(staff, user_permissions=everything)
    )

    assert staff.user_permissions.count() == 4


def test_staff_cannot_grant_the_admin_role_to_another_user(site, interviewer):
    site.post(
        f"/admin/auth/user/{interviewer.pk}/change/", _change_form(interviewer, is_staff=True)
    )

    interviewer.refresh_from_db()
    assert interviewer.is_staff is False


def test_staff_cannot_reset_a_superusers_password_on_the_site(site, root):
    response = site.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password(ROOT_PASSWORD)


def test_staff_cannot_change_or_delete_a_superuser_on_the_site(site, root):
    changed = site.post(
        f"/admin/auth/user/{root.pk}/change/", _change_form(root, email="attacker@example.com")
    )
    deleted = site.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    root.refresh_from_db()
    assert root.email == "root@example.com"


def test_staff_still_manages_ordinary_users_on_the_site(site, interviewer):
    interviewer_group = Group.objects.get(name="interviewer")
    recruiter_group = Group.objects.get_or_create(name="recruiter")[0]

    response = site.post(
        f"/admin/auth/user/{interviewer.pk}/change/",
        _change_form(
            interviewer,
            email="ivan@new.example.com",
            groups=[interviewer_group.pk, recruiter_group.pk],
        ),
    )
    reset = site.post(
        f"/admin/auth/user/{interviewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert (response.status_code, reset.status_code) == (302, 302), response.content[:3000]
    interviewer.refresh_from_db()
    assert interviewer.email == "ivan@new.example.com"
    assert set(interviewer.groups.values_list("name", flat=True)) == {"interviewer", "recruiter"}
    assert interviewer.check_password(NEW_PASSWORD)


def test_a_superuser_still_grants_the_admin_role_on_the_site(root, interviewer):
    client = Client()
    client.force_login(root)

    response = client.post(
        f"/admin/auth/user/{interviewer.pk}/change/", _change_form(interviewer, is_staff=True)
    )

    assert response.status_code == 302, response.content[:3000]
    interviewer.refresh_from_db()
    assert interviewer.is_staff is True


def test_staff_cannot_delete_a_superuser_through_the_bulk_delete_action(site, root, interviewer):
    response = site.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [root.pk, interviewer.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk__in=[root.pk, interviewer.pk]).count() == 2


# --- the audit trail -----------------------------------------------------------------------------


@pytest.fixture
def staff_with_audit_permissions(staff) -> User:
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename__endswith="auditevent")
    )
    return staff


def test_staff_cannot_delete_or_rewrite_the_audit_entry_of_what_he_did(
    site, staff_with_audit_permissions, interviewer
):
    """The trail is kept forever (docs/PRIVACY.md): whoever can act must not be able to remove
    the record of having acted, even holding every permission on the model."""
    from core.models import AuditEvent

    site.post(
        f"/admin/auth/user/{interviewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    entry = AuditEvent.objects.get(action="user.updated", target_id=str(interviewer.pk))
    assert site.get(f"/admin/core/auditevent/{entry.pk}/change/").status_code == 200  # readable

    one = site.post(f"/admin/core/auditevent/{entry.pk}/delete/", {"post": "yes"})
    bulk = site.post(
        "/admin/core/auditevent/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    changed = site.post(f"/admin/core/auditevent/{entry.pk}/change/", {"action": "nothing"})
    added = site.post("/admin/core/auditevent/add/", {"action": "user.created"})

    assert one.status_code == 403
    assert bulk.status_code in (200, 302)  # the action is not offered: nothing selected runs
    assert (changed.status_code, added.status_code) == (403, 403)
    assert list(AuditEvent.objects.values_list("pk", "action")) == [(entry.pk, "user.updated")]


def test_staff_cannot_grant_permissions_through_a_group(site, staff):
    """The same grant as user_permissions, one step removed: give a role's group every
    permission, then hold that role."""
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__endswith="_group")
    )
    recruiter = Group.objects.get_or_create(name="recruiter")[0]
    everything = list(Permission.objects.values_list("pk", flat=True))

    site.post(
        f"/admin/auth/group/{recruiter.pk}/change/",
        {"name": "recruiter", "permissions": everything},
    )

    assert recruiter.permissions.count() == 0
