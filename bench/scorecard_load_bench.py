"""Scorecard submission under load (issue: scorecards; results in docs/BENCHMARKS.md).

Starts gunicorn (2 sync workers) on 127.0.0.1 against a PostgreSQL database of its own (created,
migrated and seeded here, dropped at the end), then, in the same time window:
- N clients submit scorecards of 30 ratings each (POST /api/v1/scorecards/ with submit: true),
- N clients read GET /api/v1/me/,
and reports both throughputs, their ratio, p50/p99 latencies and whether any request was lost
(scorecards in the database == 201 responses). gunicorn is stopped whatever happens.

Each loop of the seed has one session per submitting client, so the clients walk through the
loops side by side: every submission takes its loop's row lock and the last one of a loop
completes it, as in production.

    .venv/bin/python bench/scorecard_load_bench.py            # defaults: 8 + 8 clients, 20 s
    .venv/bin/python bench/scorecard_load_bench.py --help
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
QUESTIONS_PER_SESSION = 6
CRITERIA_PER_QUESTION = 5  # 6 x 5 = 30 ratings a scorecard


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="clients of each kind")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--loops", type=int, default=600, help="loops seeded (upper bound)")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres:postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument(
        "--solo-seconds",
        type=float,
        default=10.0,
        help="then run each load alone this long (0: skip), to show each one's capacity",
    )
    parser.add_argument("--database", default="interview_loops_scorecard_bench")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


# --- database ---------------------------------------------------------------------------------


def recreate_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count_scorecards(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM scoring_scorecard").fetchone()[0]


@dataclass
class Seed:
    submit_tokens: list[str]
    me_tokens: list[str]
    # bodies[client][k]: the scorecard of client `client` for loop number k
    bodies: list[list[bytes]]


def seed(*, database_url: str, clients: int, loops: int) -> Seed:
    """Users with tokens, 6 x 5-criterion questions per session, `loops` scheduled loops."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from core.services import token_create
    from interviews.models import (
        Candidate,
        InterviewSession,
        Job,
        JobTeamMember,
        Loop,
        LoopTemplate,
        SessionInterviewer,
        SessionQuestion,
    )
    from questionbank.models import Level, Question, RubricCriterion

    call_command("migrate", verbosity=0)
    interviewer_group = Group.objects.get(name="interviewer")

    def users(prefix: str) -> list[User]:
        made = User.objects.bulk_create(
            User(username=f"{prefix}{i}", password="!", email=f"{prefix}{i}@example.com")
            for i in range(clients)
        )
        interviewer_group.user_set.add(*made)
        return made

    submitters, readers = users("bench_submitter_"), users("bench_reader_")
    tokens = {u.id: token_create(user=u)[1] for u in submitters + readers}
    manager = User.objects.create(username="bench_hiring_manager", password="!")
    level = Level.objects.create(slug="bench", name="Bench", order=1)
    job = Job.objects.create(title="Bench job", hiring_manager=manager)
    JobTeamMember.objects.create(job=job, user=manager, role="hiring_manager")
    template = LoopTemplate.objects.create(
        name="Bench", job=job, session_count=clients, session_minutes=60
    )
    questions = Question.objects.bulk_create(
        Question(slug=f"bench-q-{i}", level=level, prompt=f"Q{i}?", hint=f"H{i}.")
        for i in range(clients * QUESTIONS_PER_SESSION)
    )
    criteria = RubricCriterion.objects.bulk_create(
        RubricCriterion(question=q, order=o, text=f"{q.slug} point {o}")
        for q in questions
        for o in range(1, CRITERIA_PER_QUESTION + 1)
    )
    candidates = Candidate.objects.bulk_create(
        Candidate(name=f"Candidate {k}", external_id=f"bench-{k}") for k in range(loops)
    )
    loop_rows = Loop.objects.bulk_create(
        Loop(candidate=c, template=template, status=Loop.Status.SCHEDULED, seed=k)
        for k, c in enumerate(candidates)
    )
    sessions = InterviewSession.objects.bulk_create(
        InterviewSession(loop=loop, order=i + 1, duration_minutes=60)
        for loop in loop_rows
        for i in range(clients)
    )
    SessionInterviewer.objects.bulk_create(
        SessionInterviewer(session=s, loop_id=s.loop_id, interviewer=submitters[s.order - 1])
        for s in sessions
    )
    SessionQuestion.objects.bulk_create(
        SessionQuestion(
            session=s,
            loop_id=s.loop_id,
            question=questions[(s.order - 1) * QUESTIONS_PER_SESSION + j],
            order=j + 1,
            estimated_minutes=10,
        )
        for s in sessions
        for j in range(QUESTIONS_PER_SESSION)
    )
    per_client = CRITERIA_PER_QUESTION * QUESTIONS_PER_SESSION
    bodies: list[list[bytes]] = [[] for _ in range(clients)]
    for s in sessions:
        client = s.order - 1
        own = criteria[client * per_client : (client + 1) * per_client]
        body = {
            "session": s.pk,
            "overall_recommendation": "yes",
            "summary": "Structured answer, clear metric definitions, good trade-offs.",
            "ratings": [
                {"criterion": c.pk, "rating": (c.pk + s.pk) % 5, "note": "observed"} for c in own
            ],
            "submit": True,
        }
        bodies[client].append(json.dumps(body).encode())
    return Seed(
        submit_tokens=[tokens[u.pk] for u in submitters],
        me_tokens=[tokens[u.pk] for u in readers],
        bodies=bodies,
    )


# --- server -----------------------------------------------------------------------------------


def start_gunicorn(*, database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "ALLOWED_HOSTS": HOST,
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    return subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: stopped together below
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            status, _ = request(port, "GET", "/healthz", None, None)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def request(
    port: int, method: str, path: str, token: str | None, body: bytes | None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- load -------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    first_error: str = ""

    def add(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1


def run_load(
    *,
    port: int,
    seed: Seed,
    duration: float,
    cursors: list[int],
    submitting: bool = True,
    reading: bool = True,
) -> tuple[list[Tally], list[Tally], float]:
    """One window of load; `cursors[i]` is the next loop client i submits for (kept across
    windows so no session is scored twice)."""
    clients = len(seed.submit_tokens)
    submit_tallies = [Tally() for _ in range(clients)]
    me_tallies = [Tally() for _ in range(clients)]
    threads: list[threading.Thread] = []
    stop = threading.Event()

    def submitter(index: int) -> None:
        tally, token = submit_tallies[index], seed.submit_tokens[index]
        start_gate.wait()
        bodies = seed.bodies[index]
        while not stop.is_set() and cursors[index] < len(bodies):
            body = bodies[cursors[index]]
            cursors[index] += 1
            began = time.perf_counter()
            try:
                status, payload = request(port, "POST", "/api/v1/scorecards/", token, body)
            except OSError as exc:
                tally.errors += 1
                tally.first_error = tally.first_error or repr(exc)
                continue
            tally.add(status, time.perf_counter() - began)
            if status != 201 and not tally.first_error:
                tally.first_error = payload[:300].decode(errors="replace")
        stop.set()  # out of loops: end the window for everyone, so the loads overlap

    def reader(index: int) -> None:
        tally, token = me_tallies[index], seed.me_tokens[index]
        start_gate.wait()
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status, _ = request(port, "GET", "/api/v1/me/", token, None)
            except OSError as exc:
                tally.errors += 1
                tally.first_error = tally.first_error or repr(exc)
                continue
            tally.add(status, time.perf_counter() - began)

    if submitting:
        threads += [threading.Thread(target=submitter, args=(i,)) for i in range(clients)]
    if reading:
        threads += [threading.Thread(target=reader, args=(i,)) for i in range(clients)]
    start_gate = threading.Barrier(len(threads) + 1)
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    stop.wait(timeout=duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.perf_counter() - began
    return submit_tallies, me_tallies, elapsed


def summarize(tallies: list[Tally], elapsed: float) -> dict:
    latencies = sorted(x for t in tallies for x in t.latencies)
    statuses: dict[int, int] = {}
    for t in tallies:
        for status, n in t.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] * 1000

    return {
        "requests": len(latencies),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": sum(t.errors for t in tallies),
        "first_error": next((t.first_error for t in tallies if t.first_error), ""),
        "throughput_per_s": round(ok / elapsed, 1),
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def main() -> int:
    args = parse_args()
    database_url = f"{args.postgres}/{args.database}"
    print(f"seeding {args.database}: {args.loops} loops x {args.clients} sessions ...", flush=True)
    recreate_database(args.postgres, args.database)
    server = None
    try:
        seeded = seed(database_url=database_url, clients=args.clients, loops=args.loops)
        from django.db import connections

        connections.close_all()  # the server owns the database from here on
        server = start_gunicorn(database_url=database_url, port=args.port, workers=args.workers)
        wait_until_up(args.port, server)
        for token in seeded.me_tokens:  # warm both workers (imports, first connections)
            request(args.port, "GET", "/api/v1/me/", token, None)
        print(f"load: {args.clients} submitting + {args.clients} reading clients ...", flush=True)
        cursors = [0] * args.clients
        submits, reads, elapsed = run_load(
            port=args.port, seed=seeded, duration=args.duration, cursors=cursors
        )
        solo: dict[str, dict] = {}
        if args.solo_seconds > 0:
            print(f"each load alone for {args.solo_seconds} s ...", flush=True)
            alone, _, seconds = run_load(
                port=args.port,
                seed=seeded,
                duration=args.solo_seconds,
                cursors=cursors,
                reading=False,
            )
            solo["scorecards"] = summarize(alone, seconds)
            _, alone, seconds = run_load(
                port=args.port,
                seed=seeded,
                duration=args.solo_seconds,
                cursors=cursors,
                submitting=False,
            )
            solo["me"] = summarize(alone, seconds)
        stop_gunicorn(server)
        scorecards_in_db = count_scorecards(database_url)
    finally:
        if server is not None:
            stop_gunicorn(server)
        if not args.keep_database:
            drop_database(args.postgres, args.database)
    scorecard = summarize(submits, elapsed)
    me = summarize(reads, elapsed)
    created = scorecard["statuses"].get("201", 0) + solo.get("scorecards", {}).get(
        "statuses", {}
    ).get("201", 0)
    report = {
        "workers": args.workers,
        "clients_each": args.clients,
        "window_s": round(elapsed, 2),
        "ratings_per_scorecard": QUESTIONS_PER_SESSION * CRITERIA_PER_QUESTION,
        "scorecards": scorecard,
        "me": me,
        "ratio": round(scorecard["throughput_per_s"] / me["throughput_per_s"], 3)
        if me["throughput_per_s"]
        else None,
        "alone": solo,
        "scorecards_in_database": scorecards_in_db,
        "responses_201": created,
        "none_lost": scorecards_in_db == created,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"window {report['window_s']} s, {args.workers} gunicorn workers, "
            f"{args.clients} + {args.clients} clients"
        )
        for name, figures in (("POST /scorecards/ (30 ratings)", scorecard), ("GET /me/", me)):
            print(
                f"{name:32} {figures['throughput_per_s']:7.1f}/s  p50 {figures['p50_ms']} ms  "
                f"p99 {figures['p99_ms']} ms  statuses {figures['statuses']}  "
                f"connection errors {figures['connection_errors']}"
            )
            if figures["first_error"]:
                print(f"  first error: {figures['first_error']}")
        print(f"ratio scorecards / me: {report['ratio']} (target >= 0.3)")
        for name, figures in solo.items():
            print(
                f"alone, {name:25} {figures['throughput_per_s']:7.1f}/s  p50 {figures['p50_ms']}"
                f" ms  p99 {figures['p99_ms']} ms  statuses {figures['statuses']}"
            )
        if solo:
            ratio = solo["scorecards"]["throughput_per_s"] / solo["me"]["throughput_per_s"]
            print(f"ratio alone: {ratio:.3f}")
        print(
            f"scorecards in database {scorecards_in_db}, 201 responses {created}: "
            f"{'none lost' if report['none_lost'] else 'MISMATCH'}"
        )
    target_met = report["ratio"] is not None and report["ratio"] >= 0.3
    return 0 if report["none_lost"] and target_met else 1


if __name__ == "__main__":
    sys.exit(main())
