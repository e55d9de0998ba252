"""A private stack for load scripts and fault drills: PostgreSQL, Redis, gunicorn, Celery.

Every script owns its services: a fresh PostgreSQL cluster (initdb in a temporary directory, run
as the `postgres` user) and a Redis server on private loopback ports, plus its own gunicorn,
Celery worker and beat. The machine's PostgreSQL (5432) and Redis (6379), which the test suite
uses, are never touched, unless a script is given `postgres_url` (an existing server, where the
stack creates and drops a database of its own). `Stack` is a context manager: whatever happens,
every process it started is stopped (by process group) and its directories are removed.

The stack runs with the production settings that matter for these properties (DEBUG off, the
psycopg pool on, rate limits counted in Redis: as docker-compose.yml), and only on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import HOST, ROOT, log
from bench.traffic import request

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
SECRET_KEY = "drill-only-secret-key-not-for-production-0123456789"


IN_PROCESS_SERVER = "postgres://postgres:postgres@127.0.0.1:5432"


def in_process_environment(default_db: str, **defaults: str) -> None:
    """The environment of a bench that runs Django in its own process on the machine's
    PostgreSQL: without DATABASE_URL, a fresh database `default_db` (dropped and created again);
    production-like settings (DEBUG off, so no query log while timing; no HTTPS redirect for the
    test client) and `defaults`, each kept where the caller's environment already sets it."""
    if "DATABASE_URL" not in os.environ:
        import psycopg

        with psycopg.connect(f"{IN_PROCESS_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{default_db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{default_db}"')
        os.environ["DATABASE_URL"] = f"{IN_PROCESS_SERVER}/{default_db}"
    settings = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "false",
        **defaults,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    for name, value in settings.items():
        os.environ.setdefault(name, value)
    os.chdir(ROOT)


def _pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return versions[-1].parent


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def add_stack_arguments(
    parser: argparse.ArgumentParser, *, pg_port: int, redis_port: int, web_port: int
) -> None:
    """The options every script on a private stack takes: its ports and where to write JSON.

    Each script has its own default ports, so that two of them can run side by side.
    """
    parser.add_argument("--pg-port", type=int, default=pg_port)
    parser.add_argument("--redis-port", type=int, default=redis_port)
    parser.add_argument("--web-port", type=int, default=web_port)
    parser.add_argument("--json-out", default="", help="also write the summary to this file")


def finish(summary: dict[str, Any], *, holds: bool, json_out: str) -> int:
    """Record whether the property held, print the summary (and write it), return the exit code."""
    summary["property_holds"] = holds
    text = json.dumps(summary, indent=2)
    print(text)
    if json_out:
        Path(json_out).write_text(text + "\n")
    log("property holds" if holds else "PROPERTY FAILED")
    return 0 if holds else 1


@dataclass(frozen=True)
class Gunicorn:
    """How gunicorn serves the app: `sync` workers by default, or `gthread` with threads."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def argv(self, port: int) -> list[str]:
        return [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--timeout",
            "60",
            "--backlog",
            "2048",
        ]


@dataclass
class Stack:
    """PostgreSQL + Redis + gunicorn + Celery on private ports, torn down on exit."""

    name: str
    pg_port: int
    redis_port: int
    web_port: int
    database: str = "drill"
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres_url: str = ""  # an existing server (no database name): no private cluster
    keep_database: bool = False  # with postgres_url: leave the database behind
    workdir: Path = field(init=False)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)
    _pg_started: bool = field(default=False, init=False)
    _redis_started: bool = field(default=False, init=False)
    _database_created: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"drill-{self.name}-"))
        os.chmod(self.workdir, 0o777)
        self.pg_data = self.workdir / "pg"
        self.pg_bin = None if self.postgres_url else _pg_bin()

    # ---- environment -----------------------------------------------------------------------
    def database_url(self) -> str:
        server = self.postgres_url or f"postgres://postgres@{HOST}:{self.pg_port}"
        return f"{server}/{self.database}"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "CELERY_", "CACHE_", "DB_", "THROTTLE_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DEBUG": "false",
                "SECRET_KEY": SECRET_KEY,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": self.database_url(),
                "CELERY_BROKER_URL": f"redis://{HOST}:{self.redis_port}/0",
                "CACHE_URL": f"redis://{HOST}:{self.redis_port}/1",
                "DB_POOL": "true",
                "DB_CONNECT_TIMEOUT": "2",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def _check_ports(self) -> None:
        ports = [self.redis_port, self.web_port]
        if not self.postgres_url:
            ports.append(self.pg_port)
        for port in ports:
            if not port_free(port):
                raise SystemExit(f"port {port} on {HOST} is in use; stop what holds it first")

    # ---- PostgreSQL ------------------------------------------------------------------------
    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            cwd="/tmp",
        )

    def postgres_init(self) -> None:
        self._as_postgres(
            str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-A", "trust", "-U", "postgres"
        )
        with open(self.pg_data / "postgresql.conf", "a") as conf:
            conf.write(
                "\nfsync = off\nfull_page_writes = off\nmax_connections = 100\n"
                "shared_buffers = 128MB\n"
            )

    def postgres_start(self) -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.pg_data),
            "-o",
            f"-p {self.pg_port} -k {self.workdir} -c listen_addresses={HOST}",
            "-l",
            str(self.workdir / "pg.log"),
            "-w",
            "start",
        )
        self._pg_started = True

    def postgres_stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", mode, "-w", "stop"
        )
        self._pg_started = False

    def postgres_create_database(self) -> None:
        if not self.postgres_url:
            self._as_postgres(
                str(self.pg_bin / "createdb"), "-h", HOST, "-p", str(self.pg_port), self.database
            )
            return
        self._on_server(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._on_server(f'CREATE DATABASE "{self.database}"')
        self._database_created = True

    def _on_server(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.postgres_url}/postgres", autocommit=True) as conn:
            conn.execute(statement)

    def _postgres_teardown(self) -> None:
        if self.postgres_url:
            if self._database_created and not self.keep_database:
                self._on_server(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        elif self._pg_started or (self.pg_data / "postmaster.pid").exists():
            self.postgres_stop("immediate")

    # ---- Redis -----------------------------------------------------------------------------
    def redis_start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / "redis.pid"),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            check=True,
        )
        if not wait_port(self.redis_port, 10):
            raise RuntimeError("redis did not start")
        self._redis_started = True

    def redis_stop(self) -> None:
        """Stop Redis the hard way (SIGKILL): what a crashed or unreachable broker looks like."""
        pid_file = self.workdir / "redis.pid"
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not port_free(self.redis_port):
            time.sleep(0.05)
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()
        self._redis_started = False

    # ---- application processes -------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "ab") as out:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we signal the whole group
            )
        self.processes[name] = process
        return process

    def web_start(self, workers: int = 2, gunicorn: Gunicorn | None = None) -> None:
        """Start gunicorn (two sync workers unless told otherwise) and wait for /healthz."""
        self._spawn("web", (gunicorn or Gunicorn(workers=workers)).argv(self.web_port))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                status, _, _ = request("GET", self.web_port, "/healthz", timeout=2)
                if status in (200, 503):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer; see {self.workdir / 'web.log'}")

    def worker_start(self, name: str = "worker", concurrency: int = 1) -> subprocess.Popen:
        return self._spawn(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:6]}@drill",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def beat_start(self) -> subprocess.Popen:
        return self._spawn(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.workdir / "celerybeat-schedule"),
            ],
        )

    def kill(self, name: str, sig: int = signal.SIGTERM, wait: float = 15) -> None:
        """Signal a process group we started; escalate to SIGKILL if it does not exit."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # Children that left the group's leader behind (pool processes) go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    # ---- life cycle --------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        # A script stopped with SIGTERM (e.g. by `timeout`) still tears its stack down.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            self._check_ports()
            self._services_start()
            self.manage("migrate", "--noinput")
            self.manage("load_question_bank")
        except BaseException:
            self.teardown()
            raise
        return self

    def _services_start(self) -> None:
        if self.postgres_url:
            log(f"{self.name}: database {self.database} on {self.postgres_url.split('@')[-1]}")
        else:
            log(f"{self.name}: PostgreSQL on {HOST}:{self.pg_port}")
            self.postgres_init()
            self.postgres_start()
        self.postgres_create_database()
        log(f"{self.name}: Redis on {HOST}:{self.redis_port}")
        self.redis_start()

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def teardown(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(Exception):
                self.kill(name, signal.SIGTERM, wait=10)
        if self._redis_started or (self.workdir / "redis.pid").exists():
            with contextlib.suppress(Exception):
                self.redis_stop()
        with contextlib.suppress(Exception):
            self._django_disconnect()
            self._postgres_teardown()
        if os.environ.get("DRILL_KEEP_LOGS"):
            log(f"logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def server_errors_logged(self) -> int:
        """How many 500s gunicorn's workers logged (Django logs each with this line)."""
        return self.log_tail("web", 100000).count("Internal Server Error")

    def server_cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the stack's servers: every process in the
        process groups it started (gunicorn and its workers, Celery), PostgreSQL's postmaster
        and backends, and Redis. What a request costs the servers, whatever else the machine
        runs meanwhile (the clients' own CPU is not in it; nor is PostgreSQL's with
        `postgres_url`, a server shared with others)."""
        groups = {p.pid for p in self.processes.values()}
        roots = {
            pid for pid in (self._pid_in("pg/postmaster.pid"), self._pid_in("redis.pid")) if pid
        }
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid, ppid, pgid = int(stat.parent.name), int(fields[1]), int(fields[2])
                if pgid in groups or pid in roots or ppid in roots:
                    ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def _pid_in(self, name: str) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.workdir / name).read_text().split()[0])
        return None

    def django(self, *, conn_max_age: int = 0, allowed_hosts: str = "") -> None:
        """Set up Django in this process against the stack's database (for setup and checks)."""
        os.environ.update(self.env())
        # The script checks the database after faults: plain connections, no pool whose
        # reconnection backoff is the thing under test.
        os.environ["DB_POOL"] = "false"
        os.environ["CONN_MAX_AGE"] = str(conn_max_age)
        if allowed_hosts:  # e.g. "testserver", for Django's test client in this process
            os.environ["ALLOWED_HOSTS"] += f",{allowed_hosts}"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    @staticmethod
    def _django_disconnect() -> None:
        """Close this process's connections, so that the database can be dropped."""
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
