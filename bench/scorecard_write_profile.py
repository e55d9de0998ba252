"""Where a scorecard write spends its time, in-process: cProfile and the SQL of one request.

    .venv/bin/python bench/scorecard_write_profile.py [--requests 300] [--top 30]

Starts its own stack (bench/stack.py: private PostgreSQL and Redis, DEBUG off, rate limits in
Redis), creates interviewers writing scorecards of 30 ratings (6 questions x 5 criteria), and
sends, through Django's test client in this process (the whole middleware, DRF and view stack,
no HTTP server), `--requests` submissions (POST /api/v1/scorecards/ with `submit: true` and an
Idempotency-Key, as the load scripts send them) and as many GET /api/v1/me/. Prints the mean
time of each, their ratio, the statements of one submission, and the cProfile entries with the
most cumulative time in the submissions. `--json-out` saves all of it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file, bench/scorecard_write_profile.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import people, populate  # noqa: E402
from bench.stack import Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import scorecard_body  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="of each kind")
    parser.add_argument("--top", type=int, default=30, help="profile entries shown")
    add_stack_arguments(parser, pg_port=25482, redis_port=26429, web_port=28050)
    return parser.parse_args()


def timed(send, count: int) -> float:
    """Mean seconds of `count` calls of `send(i)`, after two warm-up calls."""
    send(-1)
    send(-2)
    started = time.perf_counter()
    for index in range(count):
        send(index)
    return (time.perf_counter() - started) / count


def profiled(send, start: int, count: int, top: int) -> str:
    profile = cProfile.Profile()
    profile.enable()
    for index in range(start, start + count):
        send(index)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def senders(interviewer: Any, reader_token: str):
    """send_scorecard(i) submits the interviewer's i-th scorecard; send_me(i) reads /me/."""
    from django.test import Client

    client = Client()
    rng = random.Random(1)
    bodies = [scorecard_body(a, rng) for a in interviewer.assignments]
    auth = {"HTTP_AUTHORIZATION": f"Token {interviewer.token}"}

    def send_scorecard(index: int) -> None:
        response = client.post(
            "/api/v1/scorecards/",
            bodies[index],
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            **auth,
        )
        assert response.status_code == 201, response.content[:300]

    def send_me(index: int) -> None:
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {reader_token}")
        assert response.status_code == 200, response.content[:300]

    return send_scorecard, send_me


def statements(send, index: int) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        send(index)
    return [q["sql"][:160] for q in captured.captured_queries]


def measure(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    stack.django(conn_max_age=60, allowed_hosts="testserver")
    (interviewer,), _ = populate(
        interviewers=1,
        loops_per_team=4 * args.requests + 10,
        sessions_per_loop=1,
        questions_per_session=6,
        criteria_per_question=5,
        prefix="profile",
    )
    (reader,) = people(role="interviewer", count=1, prefix="reader")
    # Index -1 and -2 are the warm-up calls: the last two scorecards of the interviewer.
    send_scorecard, send_me = senders(interviewer, reader.token)
    scorecard_s = timed(send_scorecard, args.requests)
    me_s = timed(send_me, args.requests)
    log(f"scorecard {scorecard_s * 1000:.2f} ms, /me/ {me_s * 1000:.2f} ms")
    return {
        "requests_each": args.requests,
        "scorecard_mean_ms": round(scorecard_s * 1000, 2),
        "me_mean_ms": round(me_s * 1000, 2),
        "ratio_of_throughputs": round(me_s / scorecard_s, 3),
        "scorecard_statements": statements(send_scorecard, args.requests),
        "me_statements": statements(send_me, 0),
        "scorecard_profile": profiled(send_scorecard, args.requests + 1, args.requests, args.top),
        "me_profile": profiled(send_me, 0, args.requests, args.top),
    }


def main() -> int:
    args = parse_args()
    stack = Stack("profile", args.pg_port, args.redis_port, args.web_port, database="profile")
    with stack:
        report = measure(args, stack)
    print(report["scorecard_profile"], file=sys.stderr)
    report["script"] = "bench/scorecard_write_profile.py"
    return finish(report, holds=True, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
