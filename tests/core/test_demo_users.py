"""`manage.py create_demo_users` (run by `make run`): enough interviewers for the README tour,
a password that Django's validators accept, a working token per user; a laptop tool that
refuses to run with DEBUG off."""

import io
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.management import CommandError, call_command

from core.management.commands import create_demo_users
from core.management.commands.create_demo_users import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

DJANGO_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def _create(settings) -> str:
    settings.DEBUG = True  # a demo command: it may refuse to run otherwise
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def test_demo_users_cover_every_role_with_six_interviewers(settings, client_for):
    output = _create(settings)

    interviewers = User.objects.filter(groups__name="interviewer").order_by("username")
    assert [u.username for u in interviewers] == [f"demo_interviewer{n}" for n in range(1, 7)]
    assert User.objects.filter(username="demo_hiring_manager", groups__name="hiring_manager")
    assert User.objects.filter(username="demo_recruiter", groups__name="recruiter")
    assert User.objects.get(username="demo_admin").is_staff
    # make run prints who they are and how to sign in.
    assert DEMO_PASSWORD in output
    for user in User.objects.all():
        assert user.username in output
    hiring_manager = User.objects.get(username="demo_hiring_manager")
    listed = client_for(hiring_manager).get("/api/v1/interviewers/").json()
    assert listed["count"] == 7  # six interviewers and the hiring manager, who may interview too


def test_running_it_twice_changes_nothing(settings):
    _create(settings)
    before = list(User.objects.order_by("id").values_list("id", "username", "password"))
    _create(settings)
    assert list(User.objects.order_by("id").values_list("id", "username", "password")) == before


def test_the_demo_password_signs_in_and_passes_djangos_validators(settings):
    _create(settings)
    validators = get_password_validators(DJANGO_VALIDATORS)
    for user in User.objects.all():
        validate_password(DEMO_PASSWORD, user, password_validators=validators)
        assert user.check_password(DEMO_PASSWORD)


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("create_demo_users", stdout=io.StringIO())
    from django.contrib.auth.models import User

    assert not User.objects.filter(username__startswith="demo_").exists()


def test_demo_password_passes_the_validators():
    from django.contrib.auth.models import User

    for username, _roles, _is_staff in create_demo_users.DEMO_USERS:
        user = User(username=username, email=f"{username}@example.com")
        validate_password(create_demo_users.DEMO_PASSWORD, user=user)


def test_prints_a_working_token_per_user(settings, anonymous_client):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "demo_recruiter" in line)
    token = line.split("Token ")[1].strip()
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous_client.get("/api/v1/me/").json()["username"] == "demo_recruiter"


def test_demo_users_get_their_roles_in_a_database_without_the_role_groups(settings):
    # A flushed database (manage.py flush, or a transactional test before this one) has no
    # role groups: the roles must not be dropped without a word.
    from django.contrib.auth.models import Group

    Group.objects.all().delete()
    _create(settings)
    assert User.objects.filter(groups__name="interviewer").count() == 6
    assert User.objects.filter(username="demo_recruiter", groups__name="recruiter").exists()


def test_a_user_made_over_the_api_keeps_their_roles_without_the_role_groups(client_for, admin_user):
    from django.contrib.auth.models import Group

    Group.objects.all().delete()
    response = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "rita_new", "password": "a long new passphrase 9", "roles": ["recruiter"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["roles"] == ["recruiter"]
    assert User.objects.filter(username="rita_new", groups__name="recruiter").exists()
