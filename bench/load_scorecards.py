"""Load without loss: concurrent interviewers submit scorecards, some retrying after a drop.

    .venv/bin/python bench/load_scorecards.py [--seconds 60] [--clients 16] [--drop-share 0.2]

Starts its own stack (bench/_cluster.py: a private PostgreSQL cluster and Redis, gunicorn with two
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cluster import (  # noqa: E402
    Stack,
    add_stack_arguments,
    finish,
    log,
    percentile,
    populate,
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


def verify(tally: Tally) -> dict:
    from django.db.models import Count

    from scoring.scorecards.models import CriterionRating, Scorecard

    sessions = tally.attempted
    acked_ids = set(tally.acknowledged.values())
    in_db = list(
        Scorecard.objects.filter(session_id__in=sessions)
        .annotate(rating_count=Count("ratings"))
        .values_list("id", "session_id", "status", "rating_count")
    )
    db_ids = {row[0] for row in in_db}
    per_session = collections.Counter(row[1] for row in in_db)
    return {
        "acknowledged_submissions": len(tally.acknowledged),
        "distinct_acknowledged_ids": len(acked_ids),
        "scorecards_in_db_for_attempted_sessions": len(in_db),
        "acknowledged_missing_from_db": len(acked_ids - db_ids),
        "in_db_without_acknowledgement": len(db_ids - acked_ids),
        "sessions_with_two_or_more_scorecards": sum(1 for n in per_session.values() if n > 1),
        "not_submitted": sum(1 for row in in_db if row[2] != "submitted"),
        "ratings_in_db": CriterionRating.objects.filter(scorecard_id__in=db_ids).count(),
        "scorecards_without_ratings": sum(1 for row in in_db if row[3] == 0),
    }


def main() -> int:
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
        per_interviewer = len(interviewers[0].assignments)
        log(
            f"created {args.clients} interviewers x {per_interviewer} scheduled sessions in "
            f"{time.perf_counter() - started:.1f} s"
        )
        stack.web_start(workers=2)
        tally = Tally()
        ran_out: list[str] = []
        log(f"{args.clients} clients submitting for {args.seconds:.0f} s")
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        threads = [
            threading.Thread(
                target=client,
                args=(
                    stack.web_port,
                    it,
                    deadline,
                    args.drop_share,
                    args.seed * 1000 + i,
                    tally,
                    ran_out,
                ),
                daemon=True,
            )
            for i, it in enumerate(interviewers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - t0
        hung = sum(1 for t in threads if t.is_alive())
        checks = verify(tally)
        web_errors = stack.log_tail("web", 100000).count("Internal Server Error")

    latencies_ms = [s * 1000 for s in tally.latencies]
    summary = {
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
        "server_500s_logged": web_errors,
        "clients_out_of_sessions": len(ran_out),
        "hung_client_threads": hung,
    }
    checks_ok = (
        checks["acknowledged_missing_from_db"] == 0
        and checks["in_db_without_acknowledgement"] == 0
        and checks["sessions_with_two_or_more_scorecards"] == 0
        and checks["distinct_acknowledged_ids"] == checks["scorecards_in_db_for_attempted_sessions"]
        and checks["scorecards_without_ratings"] == 0
        and checks["not_submitted"] == 0
        and "two_ids_for_one_session" not in tally.errors
        and not any(int(code) >= 500 for code in tally.status)
        and hung == 0
        and len(tally.unacknowledged) == 0
    )
    if ran_out:
        log(f"warning: {len(ran_out)} clients ran out of sessions; raise --loops-per-team")
    return finish(summary, holds=checks_ok, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
