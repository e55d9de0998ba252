"""Load without loss: concurrent interviewers submit scorecards, some retrying after a drop.

    .venv/bin/python bench/load_scorecards.py [--seconds 60] [--clients 16] [--drop-share 0.2]

Starts its own stack (bench/stack.py: a private PostgreSQL cluster and Redis, gunicorn with two
workers, DEBUG off, the psycopg pool on, rate limits in Redis; THROTTLE_USER_WRITES=100000/min so
the per-user write limit does not cut the load), creates interviewers and scheduled loops in
bulk, then runs `--clients` interviewer threads for `--seconds`. Each submits complete scorecards
(POST /api/v1/scorecards/ with submit true, every criterion rated), each with its own
Idempotency-Key. A share of the submissions (`--drop-share`) simulates a dropped response: the
whole request is sent and the socket is reset without reading the answer, then the same key and
body are sent again (and again after a 5xx or a network error, up to 5 times).

Afterwards, through the ORM: every acknowledged (201) scorecard id exists once, the scorecards
of the sessions the clients wrote for are exactly the acknowledged ones (none lost, none
doubled, none written without an acknowledgement), each with all its ratings. Prints a JSON
summary (throughput, p50/p99, counts) and exits 1 if any of that fails.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import threading
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a file, bench/load_scorecards.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import populate  # noqa: E402
from bench.stack import Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import (  # noqa: E402
    check_acknowledged,
    none_lost_or_doubled,
    percentile,
    request,
    scorecard_body,
    send_and_drop,
)

MAX_TRIES = 5


class Tally:
    """What the clients saw, shared by the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status = collections.Counter()
        self.latencies: list[float] = []
        self.acknowledged: dict[int, int] = {}  # session id -> scorecard id
        self.attempted: set[int] = set()
        self.dropped = 0
        self.replayed = 0
        self.retries = 0
        self.errors = collections.Counter()
        self.unacknowledged: list[int] = []
        self.sent = 0

    def seen(self, status: int, seconds: float) -> None:
        with self.lock:
            self.status[status] += 1
            self.latencies.append(seconds)
            self.sent += 1


def submit_one(port: int, token: str, body: dict, drop: bool, tally: Tally) -> None:
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    session_id = body["session"]
    with tally.lock:
        tally.attempted.add(session_id)
    if drop:
        try:
            send_and_drop(
                "POST", port, "/api/v1/scorecards/", body=body, token=token, headers=headers
            )
        except OSError as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
        with tally.lock:
            tally.dropped += 1
            tally.sent += 1
    for attempt in range(MAX_TRIES):
        if drop or attempt:
            with tally.lock:
                tally.retries += 1
        started = time.perf_counter()
        try:
            status, answer_headers, answer = request(
                "POST", port, "/api/v1/scorecards/", body=body, token=token, headers=headers
            )
        except OSError as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
                tally.sent += 1
            time.sleep(0.2)
            continue
        tally.seen(status, time.perf_counter() - started)
        if status == 201:
            with tally.lock:
                if answer_headers.get("idempotent-replayed") == "true":
                    tally.replayed += 1
                previous = tally.acknowledged.setdefault(session_id, answer["id"])
                if previous != answer["id"]:
                    tally.errors["two_ids_for_one_session"] += 1
            return
        if status < 500 and status != 429:
            with tally.lock:
                tally.errors[f"refused_{status}:{(answer or {}).get('code')}"] += 1
            break
        time.sleep(0.2)
    with tally.lock:
        tally.unacknowledged.append(session_id)


def client(port, interviewer, deadline, drop_share, seed, tally, ran_out) -> None:
    rng = random.Random(seed)
    for assignment in interviewer.assignments:
        if time.monotonic() >= deadline:
            return
        body = scorecard_body(assignment, rng)
        submit_one(port, interviewer.token, body, rng.random() < drop_share, tally)
    ran_out.append(interviewer.username)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--drop-share", type=float, default=0.2)
    parser.add_argument(
        "--loops-per-team",
        type=int,
        default=2500,
        help="Scorecards each interviewer can write (default 2500: ample for 60 s).",
    )
    add_stack_arguments(parser, pg_port=25432, redis_port=26379, web_port=28000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.clients % 4:
        parser.error("--clients must be a multiple of 4 (teams of four interviewers per loop)")
    return args


def run_clients(args: argparse.Namespace, port: int, interviewers: list) -> dict:
    """Every interviewer thread submits until the deadline; what they saw, and how long."""
    tally = Tally()
    ran_out: list[str] = []
    log(f"{args.clients} clients submitting for {args.seconds:.0f} s")
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    threads = [
        threading.Thread(
            target=client,
            args=(port, it, deadline, args.drop_share, args.seed * 1000 + i, tally, ran_out),
            daemon=True,
        )
        for i, it in enumerate(interviewers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 120)
    hung = sum(1 for t in threads if t.is_alive())
    if ran_out:
        log(f"warning: {len(ran_out)} clients ran out of sessions; raise --loops-per-team")
    return {"tally": tally, "elapsed": time.monotonic() - t0, "hung": hung, "ran_out": ran_out}


def summarize(args: argparse.Namespace, interviewers: list, run: dict, checks: dict) -> dict:
    tally, elapsed = run["tally"], run["elapsed"]
    latencies_ms = [s * 1000 for s in tally.latencies]
    return {
        "script": "bench/load_scorecards.py",
        "settings": {
            "clients": args.clients,
            "seconds": args.seconds,
            "drop_share": args.drop_share,
            "gunicorn_workers": 2,
            "THROTTLE_USER_WRITES": "100000/min",
            "DB_POOL": True,
            "criteria_per_scorecard": sorted(
                {len(a.criteria) for it in interviewers for a in it.assignments}
            ),
        },
        "elapsed_seconds": round(elapsed, 2),
        "requests_sent": tally.sent,
        "submissions": len(tally.attempted),
        "dropped_then_retried": tally.dropped,
        "retries": tally.retries,
        "retries_answered_by_replay": tally.replayed,
        "status_counts": {str(k): v for k, v in sorted(tally.status.items())},
        "client_errors": dict(tally.errors),
        "unacknowledged_after_retries": len(tally.unacknowledged),
        "throughput_acknowledged_per_s": round(len(tally.acknowledged) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies_ms, 0.50) or 0, 1),
            "p99": round(percentile(latencies_ms, 0.99) or 0, 1),
            "max": round(max(latencies_ms or [0]), 1),
        },
        "database": checks,
        "clients_out_of_sessions": len(run["ran_out"]),
        "hung_client_threads": run["hung"],
    }


def main() -> int:
    args = parse_args()
    stack = Stack(
        "load",
        args.pg_port,
        args.redis_port,
        args.web_port,
        database="loadtest",
        extra_env={"THROTTLE_USER_WRITES": "100000/min"},
    )
    with stack:
        stack.django()
        started = time.perf_counter()
        interviewers, _ = populate(interviewers=args.clients, loops_per_team=args.loops_per_team)
        log(
            f"created {args.clients} interviewers x {len(interviewers[0].assignments)} scheduled "
            f"sessions in {time.perf_counter() - started:.1f} s"
        )
        stack.web_start(workers=2)
        run = run_clients(args, stack.web_port, interviewers)
        tally = run["tally"]
        checks = check_acknowledged(attempted=tally.attempted, acknowledged=tally.acknowledged)
        summary = summarize(args, interviewers, run, checks)
        summary["server_500s_logged"] = stack.server_errors_logged()
    holds = (
        none_lost_or_doubled(checks)
        and "two_ids_for_one_session" not in tally.errors
        and not any(int(code) >= 500 for code in tally.status)
        and run["hung"] == 0
        and len(tally.unacknowledged) == 0
    )
    return finish(summary, holds=holds, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
