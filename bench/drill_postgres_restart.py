"""Fault drill: PostgreSQL stops and starts again while interviewers submit scorecards.

    .venv/bin/python bench/drill_postgres_restart.py [--outage 20] [--before 8] [--after 15]

Runs its own stack (bench/stack.py; the machine's PostgreSQL is never touched): a private
PostgreSQL cluster, Redis, gunicorn with two workers (DEBUG off, the psycopg pool on). Eight
interviewer threads submit scorecards with an Idempotency-Key each, retrying after a 503 or no
answer with the same key and body; a reader polls GET /api/v1/me/ and /healthz. Phases:
`before` (traffic on a healthy stack), `outage` (`pg_ctl stop -m fast`, down for `--outage` s),
`after` (`pg_ctl start`; gunicorn is NOT restarted).

The property, checked at the end (exit 1 if it fails):
- during the outage every answer is a 503 in the error shape with code `service_unavailable`
  (never a 500, never a hang past the client's timeout);
- after PostgreSQL is back the service recovers by itself: submissions succeed again, and in the
  last `--settle` seconds nothing fails;
- every acknowledged (201) scorecard is in the database, once per session.
Prints a JSON summary of what the client saw per phase and the recovery time.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file, bench/drill_postgres_restart.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.populate import populate  # noqa: E402
from bench.stack import Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import Phases, ScorecardTraffic, none_lost_or_doubled, request  # noqa: E402


def reader(stack: Stack, token: str, traffic: ScorecardTraffic) -> None:
    while not traffic.stop.is_set():
        for path, auth in (("/api/v1/me/", token), ("/healthz", None)):
            started, phase = time.perf_counter(), traffic.phases.name
            try:
                status, _, body = request("GET", stack.web_port, path, token=auth, timeout=30)
            except OSError:
                status, body = 0, None
            traffic.record(path, status, body, time.perf_counter() - started, phase)
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=float, default=8)
    parser.add_argument("--outage", type=float, default=20)
    parser.add_argument("--after", type=float, default=15)
    parser.add_argument("--settle", type=float, default=5)
    parser.add_argument("--clients", type=int, default=8)
    add_stack_arguments(parser, pg_port=25442, redis_port=26389, web_port=28010)
    parser.add_argument(
        "--no-pool",
        action="store_true",
        help="DB_POOL=false: one connection per worker, health-checked (the laptop default)",
    )
    args = parser.parse_args()

    extra = {"DB_POOL": "false", "CONN_MAX_AGE": "60"} if args.no_pool else {}
    stack = Stack("pg-restart", args.pg_port, args.redis_port, args.web_port, extra_env=extra)
    with stack:
        stack.django()
        interviewers, recruiter_token = populate(interviewers=args.clients, loops_per_team=600)
        stack.web_start(workers=2)
        phases = Phases("before")
        traffic = ScorecardTraffic(stack.web_port, interviewers, phases)
        read = threading.Thread(target=reader, args=(stack, recruiter_token, traffic), daemon=True)
        traffic.start()
        read.start()
        time.sleep(args.before)

        phases.enter("outage")
        stopped_at = time.monotonic()
        stack.postgres_stop("fast")
        time.sleep(args.outage)
        stack.postgres_start()
        back_at = time.monotonic()
        phases.enter("after")
        time.sleep(args.after)
        hung = traffic.finish()
        read.join(timeout=40)
        checks = traffic.checks()
        tracebacks = stack.server_errors_logged()

    outage_events = [e for e in traffic.events if e.phase == "outage"]
    outage_bad = [
        e for e in outage_events if e.status not in (503,) and not (e.status < 400 and e.status > 0)
    ]
    outage_503_wrong_code = [
        e for e in outage_events if e.status == 503 and e.code not in (None, "service_unavailable")
    ]
    # /healthz answers 503 with its own body (database: unavailable), not the error shape.
    outage_503_wrong_code = [e for e in outage_503_wrong_code if e.kind != "/healthz"]
    end = max(e.at for e in traffic.events)
    settle_from = end - args.settle
    late_failures = [
        e for e in traffic.events if e.at >= settle_from and (e.status >= 400 or e.status == 0)
    ]
    recovery = traffic.first_success_after(back_at)
    failures = [e.at for e in traffic.events if e.status == 0 or e.status >= 500]
    summary = {
        "script": "bench/drill_postgres_restart.py",
        "settings": {
            "clients": args.clients,
            "outage_seconds": args.outage,
            "gunicorn_workers": 2,
            "DB_POOL": not args.no_pool,
            "restart": "pg_ctl stop -m fast; sleep; pg_ctl start (gunicorn left running)",
        },
        "status_counts_per_phase": traffic.status_counts(),
        "outage_answers_not_503": len(outage_bad),
        "outage_503_not_service_unavailable": len(outage_503_wrong_code),
        "5xx_not_in_error_shape": len(traffic.bad_bodies),
        "examples_not_in_error_shape": traffic.bad_bodies[:3],
        "max_latency_s_during_outage": round(max((e.seconds for e in outage_events), default=0), 2),
        "seconds_from_postgres_back_to_first_201": None if recovery is None else round(recovery, 2),
        "last_failure_seconds_after_postgres_back": None
        if not failures
        else round(max(failures) - back_at, 2),
        "failures_in_last_settle_seconds": len(late_failures),
        "outage_length_s": round(back_at - stopped_at, 2),
        "database": checks,
        "unacknowledged_submissions": len(traffic.unacknowledged),
        "server_500s_logged": tracebacks,
        "hung_client_threads": hung,
    }
    ok = (
        not outage_bad
        and not outage_503_wrong_code
        and not traffic.bad_bodies
        and recovery is not None
        and not late_failures
        and none_lost_or_doubled(checks)
        and not any(e.status >= 500 and e.status != 503 for e in traffic.events)
        and hung == 0
    )
    return finish(summary, holds=ok, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
