"""`manage.py create_demo_users` (run by `make run`): enough interviewers for the README tour,
and a password that Django's validators accept."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.management import call_command

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
        assert authenticate(username=user.username, password=DEMO_PASSWORD) == user
