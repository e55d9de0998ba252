"""docker-compose.yml and production settings, tested as far as this machine can without Docker."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
VENV_BIN = Path(sys.executable).parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-test-only",
    "ALLOWED_HOSTS": "loops.example.com",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
}


def run(args: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=timeout
    )


def commands_of(service: str) -> list[list[str]]:
    """The shell commands a service runs, split on '&&'."""
    command = COMPOSE["services"][service]["command"]
    if isinstance(command, list):
        command = " ".join(command)
    inner = re.sub(r'^sh -c "(.*)"$', r"\1", command.strip(), flags=re.S)
    return [shlex.split(part) for part in inner.split("&&")]


def test_compose_has_the_five_services_each_with_a_healthcheck():
    services = COMPOSE["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name


def test_app_services_share_one_environment_that_the_settings_document():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    for name in ("web", "worker", "beat"):
        env = COMPOSE["services"][name]["environment"]
        assert env["DEBUG"] == "false"
        assert set(env) <= documented, set(env) - documented
    settings_text = (ROOT / "config" / "settings.py").read_text()
    for variable in documented:
        assert f'"{variable}"' in settings_text, variable


def test_web_migrates_loads_the_bank_and_serves_a_wsgi_app_that_exists():
    migrate, load, gunicorn = commands_of("web")
    commands = get_commands()
    assert migrate[:2] == ["python", "manage.py"] and migrate[2] in commands
    assert load[:2] == ["python", "manage.py"] and load[2] == "load_question_bank"
    assert load[2] in commands
    assert gunicorn[0] == "gunicorn"
    module, attribute = gunicorn[1].split(":")
    result = run(
        [str(VENV_BIN / "gunicorn"), "--check-config", f"{module}:{attribute}"], PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_name_the_project_app_and_its_scheduled_tasks(service, subcommand):
    (command,) = commands_of(service)
    assert command[:4] == ["celery", "-A", "config", subcommand]
    from config.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_production_settings_pass_the_deploy_check():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "override, message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "dev-only-insecure-secret-key-change-me"}, "SECRET_KEY must be a private"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"THROTTLE_USER_WRITES": "lots"}, "THROTTLE_USER_WRITES must look like"),
        ({"CONN_MAX_AGE": "soon"}, "CONN_MAX_AGE must be a whole number"),
    ],
)
def test_bad_settings_refuse_to_start_naming_the_variable(override, message):
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", **override}
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert message in result.stderr
