"""create_demo_users is a laptop tool: it refuses to run with DEBUG off, and its demo passwords
pass the same validators as everyone else's."""

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from core.management.commands import create_demo_users

pytestmark = pytest.mark.django_db


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
