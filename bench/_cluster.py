"""A private stack for load scripts and fault drills: PostgreSQL, Redis, gunicorn, Celery.

Every drill owns its services: a fresh PostgreSQL cluster (initdb in a temporary directory, run
as the `postgres` user) and a Redis server on private loopback ports, plus its own gunicorn (two
sync workers), Celery worker and beat. The machine's PostgreSQL (5432) and Redis (6379), which
the test suite uses, are never touched. `Stack` is a context manager: whatever happens, every
process it started is stopped (by process group) and its directories are removed.

The stack runs with the production settings that matter for these properties (DEBUG off, the
psycopg pool on, rate limits counted in Redis: as docker-compose.yml), and only on 127.0.0.1.

Helpers here also create the drill's users, loops and sessions in bulk through the ORM, and send
HTTP requests with the standard library only.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
HOST = "127.0.0.1"
SECRET_KEY = "drill-only-secret-key-not-for-production-0123456789"


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


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


@dataclass
class Stack:
    """PostgreSQL + Redis + gunicorn + Celery on private ports, torn down on exit."""

    name: str
    pg_port: int
    redis_port: int
    web_port: int
    database: str = "drill"
    extra_env: dict[str, str] = field(default_factory=dict)
    workdir: Path = field(init=False)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)
    _pg_started: bool = field(default=False, init=False)
    _redis_started: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"drill-{self.name}-"))
        os.chmod(self.workdir, 0o777)
        self.pg_data = self.workdir / "pg"
        self.pg_bin = _pg_bin()

    # ---- environment -----------------------------------------------------------------------
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
                "DATABASE_URL": f"postgres://postgres@{HOST}:{self.pg_port}/{self.database}",
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
        for port in (self.pg_port, self.redis_port, self.web_port):
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
        self._as_postgres(
            str(self.pg_bin / "createdb"), "-h", HOST, "-p", str(self.pg_port), self.database
        )

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

    def web_start(self, workers: int = 2) -> None:
        self._spawn(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{self.web_port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--backlog",
                "2048",
            ],
        )
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
        # A drill stopped with SIGTERM (e.g. by `timeout`) still tears its stack down.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            self._check_ports()
            log(f"{self.name}: PostgreSQL on {HOST}:{self.pg_port}, Redis on :{self.redis_port}")
            self.postgres_init()
            self.postgres_start()
            self.postgres_create_database()
            self.redis_start()
            self.manage("migrate", "--noinput")
            self.manage("load_question_bank")
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def teardown(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(Exception):
                self.kill(name, signal.SIGTERM, wait=10)
        if self._redis_started or (self.workdir / "redis.pid").exists():
            with contextlib.suppress(Exception):
                self.redis_stop()
        if self._pg_started or (self.pg_data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.postgres_stop("immediate")
        if os.environ.get("DRILL_KEEP_LOGS"):
            log(f"logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def django(self) -> None:
        """Set up Django in this process against the stack's database (for setup and checks)."""
        os.environ.update(self.env())
        # The drill process checks the database after faults: plain connections, no pool whose
        # reconnection backoff is the thing under test.
        os.environ["DB_POOL"] = "false"
        os.environ["CONN_MAX_AGE"] = "0"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


# ---- HTTP ------------------------------------------------------------------------------------
def request(
    method: str,
    port: int,
    path: str,
    *,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], Any]:
    """One request on a fresh connection; returns (status, headers, parsed JSON or text)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json"}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Token {token}"
        sent.update(headers or {})
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, answer_headers, parsed
    finally:
        connection.close()


def send_and_drop(
    method: str, port: int, path: str, *, body: Any, token: str, headers: dict[str, str]
) -> None:
    """Send a whole request, then close the socket without reading: a dropped response."""
    payload = json.dumps(body).encode()
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(
            method,
            path,
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {token}",
                **headers,
            },
        )
    finally:
        # RST instead of FIN, so nothing lingers: the server's write of the response fails.
        with contextlib.suppress(OSError):
            if connection.sock is not None:
                connection.sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
        connection.close()


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


# ---- data ------------------------------------------------------------------------------------
@dataclass
class Assignment:
    """One scorecard to write: the session and the criteria of its questions."""

    session_id: int
    criteria: list[int]


@dataclass
class Interviewer:
    user_id: int
    username: str
    token: str
    assignments: list[Assignment]


def populate(
    *,
    interviewers: int,
    loops_per_team: int,
    sessions_per_loop: int = 4,
    questions_per_session: int = 2,
    prefix: str = "load",
) -> tuple[list[Interviewer], str]:
    """Create interviewers (with tokens), a recruiter, and scheduled loops in bulk.

    Interviewers are split into teams of `sessions_per_loop`; each team interviews its own
    `loops_per_team` loops, one session each per loop, so every interviewer has `loops_per_team`
    scorecards to write and the last submission of a loop completes it (the realistic path,
    including the loop row lock). Returns the interviewers and the recruiter's token.
    Call `Stack.django()` first.
    """
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from core.services import token_create
    from interviews.models import (
        Candidate,
        InterviewSession,
        Job,
        JobTeamMember,
        LevelQuota,
        Loop,
        LoopTemplate,
        SessionInterviewer,
        SessionQuestion,
    )
    from questionbank.models import Question, RubricCriterion

    if interviewers % sessions_per_loop:
        raise ValueError("interviewers must be a multiple of sessions_per_loop")
    now = timezone.now()
    password = make_password("drill-password-1")
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"{prefix}-interviewer-{i}", password=password)
                for i in range(interviewers)
            ]
        )
        recruiter = User.objects.create(username=f"{prefix}-recruiter", password=password)
        manager = User.objects.create(username=f"{prefix}-manager", password=password)
        groups = {g.name: g for g in Group.objects.all()}
        for user in users:
            user.groups.add(groups["interviewer"])
        recruiter.groups.add(groups["recruiter"])
        manager.groups.add(groups["hiring_manager"])
        # Hashed tokens (knox): each is made and shown once, so one create per user.
        token_of = {u.id: token_create(user=u)[1] for u in [*users, recruiter]}

        job = Job.objects.create(title="Load test job", hiring_manager=manager)

        JobTeamMember.objects.create(job=job, user=manager, role="hiring_manager")
        questions = list(Question.objects.filter(is_active=True).order_by("id"))
        per_loop = sessions_per_loop * questions_per_session
        if len(questions) < per_loop:
            raise RuntimeError("the question bank is too small for this loop shape")
        picked = questions[:per_loop]
        template = LoopTemplate.objects.create(
            name="Load test template",
            job=job,
            session_count=sessions_per_loop,
            session_minutes=60,
            interviewers_per_session=1,
        )
        per_level: dict[str, int] = {}
        for q in picked:
            per_level[q.level_id] = per_level.get(q.level_id, 0) + 1
        LevelQuota.objects.bulk_create(
            [LevelQuota(template=template, level_id=s, count=n) for s, n in per_level.items()]
        )
        criteria_of: dict[int, list[int]] = {}
        for criterion_id, question_id in RubricCriterion.objects.filter(
            question__in=picked, is_active=True
        ).values_list("id", "question_id"):
            criteria_of.setdefault(question_id, []).append(criterion_id)

        teams = [
            users[i : i + sessions_per_loop] for i in range(0, interviewers, sessions_per_loop)
        ]
        loop_count = len(teams) * loops_per_team
        candidates = Candidate.objects.bulk_create(
            [
                Candidate(name=f"Candidate {i}", email=f"c{i}@example.test")
                for i in range(loop_count)
            ]
        )
        loops = Loop.objects.bulk_create(
            [
                Loop(
                    candidate=c,
                    template=template,
                    status=Loop.Status.SCHEDULED,
                    seed=i,
                    created_by=manager,
                    created_at=now,
                    updated_at=now,
                )
                for i, c in enumerate(candidates)
            ],
            batch_size=2000,
        )
        sessions = InterviewSession.objects.bulk_create(
            [
                InterviewSession(loop=loop, order=k + 1, duration_minutes=60, scheduled_at=now)
                for loop in loops
                for k in range(sessions_per_loop)
            ],
            batch_size=5000,
        )
        session_rows = []
        question_rows = []
        plan: dict[int, list[Assignment]] = {u.id: [] for u in users}
        for index, session in enumerate(sessions):
            loop_index, k = divmod(index, sessions_per_loop)
            team = teams[loop_index // loops_per_team]
            interviewer = team[k]
            session_rows.append(
                SessionInterviewer(
                    session=session, loop_id=session.loop_id, interviewer=interviewer, position=1
                )
            )
            session_questions = picked[k * questions_per_session : (k + 1) * questions_per_session]
            criteria: list[int] = []
            for order, question in enumerate(session_questions, start=1):
                question_rows.append(
                    SessionQuestion(
                        session=session,
                        loop_id=session.loop_id,
                        question=question,
                        order=order,
                        estimated_minutes=question.estimated_minutes,
                    )
                )
                criteria.extend(criteria_of[question.id])
            plan[interviewer.id].append(Assignment(session.id, criteria))
        SessionInterviewer.objects.bulk_create(session_rows, batch_size=5000)
        SessionQuestion.objects.bulk_create(question_rows, batch_size=5000)
    result = [Interviewer(u.id, u.username, token_of[u.id], plan[u.id]) for u in users]
    return result, token_of[recruiter.id]


def scorecard_body(assignment: Assignment, rng: random.Random) -> dict[str, Any]:
    return {
        "session": assignment.session_id,
        "overall_recommendation": rng.choice(["strong_no", "no", "yes", "strong_yes"]),
        "summary": "Load test scorecard: clear reasoning, checked the metric's guardrails.",
        "ratings": [
            {"criterion": c, "rating": rng.randint(0, 4), "note": "seen in the answer"}
            for c in assignment.criteria
        ],
        "submit": True,
    }


# ---- traffic for the drills -------------------------------------------------------------------
class Phases:
    """The drill's current phase, stamped on every request the traffic threads make."""

    def __init__(self, first: str) -> None:
        self.name = first
        self.started = {first: time.monotonic()}

    def enter(self, name: str) -> None:
        self.name = name
        self.started[name] = time.monotonic()
        log(f"phase: {name}")


@dataclass
class Event:
    at: float  # when the answer came
    phase: str  # the phase the request was sent in
    kind: str  # "submit" or the path read
    status: int  # 0 = no HTTP answer (connection refused, reset, timeout)
    code: str | None
    seconds: float


class ScorecardTraffic:
    """Interviewer threads submitting scorecards until stopped, retrying like a careful client.

    Each submission has its own Idempotency-Key; a 503, a 429 or no answer is retried with the
    same key and body (bounded by `stop`), so a request whose outcome the client never learned
    is either replayed or created once. Every 201 is recorded as acknowledged.
    """

    def __init__(self, port: int, interviewers: list[Interviewer], phases: Phases) -> None:
        self.port = port
        self.interviewers = interviewers
        self.phases = phases
        self.stop = threading.Event()
        self.give_up_at = float("inf")  # a submission in doubt is retried until this moment
        self.lock = threading.Lock()
        self.events: list[Event] = []
        self.acknowledged: dict[int, int] = {}
        self.attempted: set[int] = set()
        self.unacknowledged: list[int] = []
        self.bad_bodies: list[dict[str, Any]] = []
        self.threads = [
            threading.Thread(target=self._run, args=(it, i), daemon=True)
            for i, it in enumerate(interviewers)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, timeout: float = 60) -> int:
        """Start no new submission; settle those in doubt (retry up to `timeout` s)."""
        self.give_up_at = time.monotonic() + timeout
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=timeout + 35)
        return sum(1 for t in self.threads if t.is_alive())

    def record(
        self, kind: str, status: int, body: Any, seconds: float, phase: str | None = None
    ) -> None:
        """One answer; `phase` is the phase the request was sent in (default: now)."""
        code = body.get("code") if isinstance(body, dict) else None
        with self.lock:
            self.events.append(
                Event(time.monotonic(), phase or self.phases.name, kind, status, code, seconds)
            )
            # /healthz answers 503 with its own body ({"database": "unavailable", ...}).
            if (
                status >= 500
                and kind != "/healthz"
                and (not isinstance(body, dict) or set(body) != {"code", "message", "fields"})
            ):
                self.bad_bodies.append({"status": status, "body": str(body)[:300]})

    def _run(self, interviewer: Interviewer, index: int) -> None:
        rng = random.Random(index)
        for assignment in interviewer.assignments:
            if self.stop.is_set():
                return
            body = scorecard_body(assignment, rng)
            key = str(uuid.uuid4())
            with self.lock:
                self.attempted.add(assignment.session_id)
            while True:
                started, phase = time.perf_counter(), self.phases.name
                try:
                    status, _, answer = request(
                        "POST",
                        self.port,
                        "/api/v1/scorecards/",
                        body=body,
                        token=interviewer.token,
                        headers={"Idempotency-Key": key},
                        timeout=30,
                    )
                except OSError:
                    status, answer = 0, None
                self.record("submit", status, answer, time.perf_counter() - started, phase)
                if status == 201:
                    with self.lock:
                        self.acknowledged[assignment.session_id] = answer["id"]
                    break
                if status in (0, 429, 503) and time.monotonic() < self.give_up_at:
                    time.sleep(0.25)
                    continue
                with self.lock:
                    self.unacknowledged.append(assignment.session_id)
                break

    def status_counts(self) -> dict[str, dict[str, int]]:
        """{phase: {"201": n, "503 service_unavailable": n, ...}} in phase order."""
        counts: dict[str, collections.Counter] = {}
        for event in self.events:
            label = str(event.status) if event.code is None else f"{event.status} {event.code}"
            if event.status == 0:
                label = "no_answer"
            counts.setdefault(event.phase, collections.Counter())[label] += 1
        return {phase: dict(sorted(c.items())) for phase, c in counts.items()}

    def first_success_after(self, moment: float, kind: str = "submit") -> float | None:
        times = [e.at for e in self.events if e.kind == kind and e.at >= moment and e.status < 400]
        return min(times) - moment if times else None

    def last_failure(self) -> float | None:
        times = [e.at for e in self.events if e.status == 0 or e.status >= 500]
        return max(times) if times else None


def check_acknowledged(traffic: ScorecardTraffic) -> dict[str, int]:
    """Every acknowledged scorecard exists, once per session, submitted and with its ratings."""
    from django.db import close_old_connections, connection
    from django.db.models import Count

    from scoring.scorecards.models import Scorecard

    close_old_connections()
    connection.close()
    rows = list(
        Scorecard.objects.filter(session_id__in=traffic.attempted)
        .annotate(rating_count=Count("ratings"))
        .values_list("id", "session_id", "status", "rating_count")
    )
    ids = {row[0] for row in rows}
    acked = set(traffic.acknowledged.values())
    per_session = collections.Counter(row[1] for row in rows)
    return {
        "acknowledged": len(acked),
        "acknowledged_missing_from_db": len(acked - ids),
        "in_db_without_acknowledgement": len(ids - acked),
        "sessions_with_two_or_more_scorecards": sum(1 for n in per_session.values() if n > 1),
        "scorecards_without_ratings": sum(1 for row in rows if row[3] == 0),
    }
