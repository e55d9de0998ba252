"""docker-compose.yml and production settings, tested as far as this machine can without Docker."""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
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


# Set by the test run itself (tests/settings.py), never inherited by a production process.
TEST_ONLY = {"DJANGO_SETTINGS_MODULE", "DEBUG"}


def run(args: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in TEST_ONLY}
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
    assert gunicorn[:3] == ["gunicorn", "-c", "config/gunicorn.py"]
    module, attribute = gunicorn[-1].split(":")
    result = run(
        [str(VENV_BIN / "gunicorn"), "--check-config", *gunicorn[1:-1], f"{module}:{attribute}"],
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr


def raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        return conn.recv(4096)


def test_gunicorn_answers_414_and_431_at_the_limits_documented_in_security_md():
    """The limits of config/gunicorn.py, against the real server (docs/SECURITY.md)."""
    port = 18111
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in TEST_ONLY},
            **PRODUCTION_ENV,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        long_line = b"GET /healthz?q=" + b"a" * 4100 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert raw_http(port, long_line).startswith(b"HTTP/1.1 414")
        many = b"".join(b"X-H%d: 1\r\n" % i for i in range(101))
        too_many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"
        assert raw_http(port, too_many).startswith(b"HTTP/1.1 431")
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8200 + b"\r\n\r\n"
        assert raw_http(port, big).startswith(b"HTTP/1.1 431")
    finally:
        server.terminate()
        server.wait(timeout=30)


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


def test_debug_is_off_unless_the_environment_turns_it_on():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DEBUG"}
    show = [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings as s"]
    result = run([*show[:-1], show[-1] + "; print(s.DEBUG)"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    # And so the production secret is required without anyone saying DEBUG=false.
    no_secret = run([sys.executable, "manage.py", "check"], {**env, "SECRET_KEY": ""})
    assert no_secret.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in no_secret.stderr


def test_a_command_without_the_production_secret_says_what_to_set_in_one_line():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "SECRET_KEY must be set when DEBUG is off. On a laptop: DEBUG=1 .venv/bin/python "
        "manage.py ... (make run sets it); in production: every variable of .env.example."
    ]


def test_demo_users_refuse_to_be_created_in_production():
    result = run([sys.executable, "manage.py", "create_demo_users"], PRODUCTION_ENV)
    assert result.returncode != 0
    assert "Set DEBUG=1" in result.stderr


@pytest.mark.parametrize(
    "override, message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "dev-only-insecure-secret-key-change-me"}, "SECRET_KEY must be a private"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"THROTTLE_USER_WRITES": "lots"}, "THROTTLE_USER_WRITES must look like"),
        ({"CONN_MAX_AGE": "soon"}, "CONN_MAX_AGE must be a whole number"),
        ({"TOKEN_TTL_HOURS": "0"}, "TOKEN_TTL_HOURS must be at least 1"),
        ({"TRUSTED_PROXY_COUNT": "one"}, "TRUSTED_PROXY_COUNT must be a whole number"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1"),
        ({"CANDIDATE_RETENTION_DAYS": "a year"}, "CANDIDATE_RETENTION_DAYS must be a whole"),
        ({"CANDIDATE_RETENTION_DAYS": "0"}, "CANDIDATE_RETENTION_DAYS must be at least 1"),
        ({"IDEMPOTENCY_TTL_HOURS": "0"}, "IDEMPOTENCY_TTL_HOURS must be at least 1"),
    ],
)
def test_bad_settings_refuse_to_start_naming_the_variable(override, message):
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", **override}
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert message in result.stderr
