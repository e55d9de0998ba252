"""Scorecard submission against GET /me/ under load (results in docs/BENCHMARKS.md).

    .venv/bin/python bench/scorecard_load_bench.py              # 8 + 8 clients, gthread 2 x 4
    .venv/bin/python bench/scorecard_load_bench.py --duration 0 --rounds 3 --json-out FILE

Starts its own stack (bench/stack.py: a private PostgreSQL cluster and Redis, DEBUG off, the
psycopg pool on, rate limits in Redis; or, with `--postgres URL`, a database of its own on that
server) and gunicorn (`--workers` x `--threads`, `--worker-class`), with interviewers writing
scorecards of 30 ratings each (6 questions x 5 criteria a session; every loop has one session
per submitting client; every submission takes its loop's row lock and the last one of a loop
completes it, as in production; each client starts at its own place in the loops, so that the
clients write into different loops at any moment, as interviews ending at different times do,
unless `--side-by-side` makes them all write into the same loop at once). Then:
- for `--duration` s (0: skip), N clients submit (POST /api/v1/scorecards/ with submit: true)
  while N others read GET /api/v1/me/, in the same window;
- `--rounds` times, each load ALONE for `--solo-seconds` (scorecards, then /me/, alternating):
  the throughput of each, and their ratio (scorecards / me), per round and the median.
Every 201 is checked against the database afterwards: each acknowledged scorecard is there once,
submitted, with its ratings, and nothing else is (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file, bench/scorecard_load_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import people, populate  # noqa: E402
from bench.stack import Gunicorn, Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import (  # noqa: E402
    MeReader,
    Submitter,
    Tally,
    check_acknowledged,
    none_lost_or_doubled,
    request,
    run_window,
)

QUESTIONS_PER_SESSION = 6
CRITERIA_PER_QUESTION = 5  # 6 x 5 = 30 ratings a scorecard


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--clients", type=int, default=8, help="clients of each kind")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of mixed load")
    parser.add_argument("--solo-seconds", type=float, default=10.0, help="each load alone")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each load alone")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of each load alone before the rounds"
    )
    parser.add_argument("--loops", type=int, default=600, help="loops seeded (upper bound)")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="every client writes into the same loop at the same moment (all queue on its row "
        "lock); by default each client starts at its own place in the loops, as interviews "
        "that end at different times do",
    )
    parser.add_argument(
        "--postgres",
        default="",
        help="an existing PostgreSQL server URL, without a database name (default: a private "
        "cluster)",
    )
    parser.add_argument("--database", default="interview_loops_scorecard_bench")
    parser.add_argument("--keep-database", action="store_true", help="with --postgres")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    add_stack_arguments(parser, pg_port=25472, redis_port=26419, web_port=28040)
    parser.add_argument("--port", dest="web_port", type=int, default=argparse.SUPPRESS)
    return parser.parse_args()


class Clients:
    """The submitting and the reading clients, kept across windows (no session scored twice)."""

    def __init__(self, interviewers: list, reader_tokens: list[str]) -> None:
        self.acknowledged: dict[int, int] = {}
        self.submitters = [
            Submitter(it, seed, self.acknowledged) for seed, it in enumerate(interviewers)
        ]
        self.readers = [MeReader(token) for token in reader_tokens]

    def attempted(self) -> set[int]:
        return {session for s in self.submitters for session in s.attempted}


def window(stack: Stack, clients: Clients, seconds: float, *, submit: bool, read: bool) -> dict:
    """One window of load; the figures of each kind of client that ran, and, when one kind ran
    alone, the servers' CPU time per answered request."""
    kinds = {
        "scorecards": clients.submitters if submit else [],
        "me": clients.readers if read else [],
    }
    tallies = {kind: Tally() for kind, members in kinds.items() if members}
    pairs = [(member, tallies[kind]) for kind, members in kinds.items() for member in members]
    cpu_before = stack.server_cpu_seconds()
    elapsed = run_window(stack.web_port, pairs, seconds)
    cpu = stack.server_cpu_seconds() - cpu_before
    figures = {kind: tally.summary(elapsed) for kind, tally in tallies.items()}
    if len(figures) == 1:
        (alone,) = figures.values()
        alone["server_cpu_s"] = round(cpu, 3)
        per_request = 1000 * cpu / alone["ok"] if alone["ok"] else None
        alone["server_cpu_ms_per_request"] = round(per_request, 2) if per_request else None
    return figures | {"window_s": round(elapsed, 2)}


def alone_rounds(
    stack: Stack, clients: Clients, seconds: float, rounds: int, warmup: float
) -> dict[str, Any]:
    """Each load alone, `rounds` times, alternating (after a warm-up window of each, not
    counted). Per round and over all rounds: the throughputs and their ratio, and the servers'
    CPU per request and its ratio (me / scorecard: what the throughput ratio would be on a
    machine that only ran this stack). Short windows and many rounds let both loads see the
    same machine when other work shares it."""
    if warmup > 0:
        window(stack, clients, warmup, submit=True, read=False)
        window(stack, clients, warmup, submit=False, read=True)
    runs = [_round(stack, clients, seconds, index) for index in range(rounds)]
    pooled = {kind: _pooled(runs, kind) for kind in ("scorecards", "me")}
    return {
        "rounds": runs,
        "median_scorecards_per_s": _median(r["scorecards"]["throughput_per_s"] for r in runs),
        "median_me_per_s": _median(r["me"]["throughput_per_s"] for r in runs),
        "median_ratio": _median(r["ratio"] for r in runs),
        "median_cpu_ratio": _median(r["cpu_ratio"] for r in runs),
        "over_all_rounds": pooled,
        "ratio_over_all_rounds": _ratio(pooled["scorecards"], pooled["me"]),
        "cpu_ratio_over_all_rounds": _cpu_ratio(pooled["scorecards"], pooled["me"]),
    }


def _round(stack: Stack, clients: Clients, seconds: float, index: int) -> dict[str, Any]:
    scorecards = window(stack, clients, seconds, submit=True, read=False)["scorecards"]
    me = window(stack, clients, seconds, submit=False, read=True)["me"]
    run = {
        "scorecards": scorecards,
        "me": me,
        "ratio": _ratio(scorecards, me),
        "cpu_ratio": _cpu_ratio(scorecards, me),
        "load": _load(),
    }
    log(
        f"alone, round {index + 1}: scorecards {scorecards['throughput_per_s']}/s "
        f"({scorecards['server_cpu_ms_per_request']} ms CPU), /me/ {me['throughput_per_s']}/s "
        f"({me['server_cpu_ms_per_request']} ms CPU), ratio {run['ratio']}, CPU ratio "
        f"{run['cpu_ratio']} (load {run['load']})"
    )
    return run


def _pooled(runs: list[dict], kind: str) -> dict[str, float]:
    """One kind's figures over all its windows together."""
    ok = sum(r[kind]["ok"] for r in runs)
    seconds = sum(r[kind]["window_s"] for r in runs)
    cpu = sum(r[kind]["server_cpu_s"] for r in runs)
    return {
        "ok": ok,
        "throughput_per_s": round(ok / seconds, 1) if seconds else 0,
        "server_cpu_ms_per_request": round(1000 * cpu / ok, 2) if ok else None,
    }


def _cpu_ratio(scorecards: dict, me: dict) -> float | None:
    if not scorecards["server_cpu_ms_per_request"] or not me["server_cpu_ms_per_request"]:
        return None
    return round(me["server_cpu_ms_per_request"] / scorecards["server_cpu_ms_per_request"], 3)


def _ratio(scorecards: dict, me: dict) -> float | None:
    if not me["throughput_per_s"]:
        return None
    return round(scorecards["throughput_per_s"] / me["throughput_per_s"], 3)


def _median(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def stagger(interviewers: list) -> None:
    """Start client i at loop i * (loops / clients): at any moment the clients write into
    different loops, as interviews that end at different times do, and every loop is still
    completed by the last of its interviewers (each keeps all its scorecards)."""
    for index, interviewer in enumerate(interviewers):
        shift = index * len(interviewer.assignments) // len(interviewers)
        interviewer.assignments = interviewer.assignments[shift:] + interviewer.assignments[:shift]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    """Populate, start gunicorn, run the mixed window and the rounds alone, check the database."""
    stack.django()
    interviewers, _ = populate(
        interviewers=args.clients,
        loops_per_team=args.loops,
        sessions_per_loop=args.clients,
        questions_per_session=QUESTIONS_PER_SESSION,
        criteria_per_question=CRITERIA_PER_QUESTION,
        prefix="bench",
    )
    if not args.side_by_side:
        stagger(interviewers)
    readers = people(role="interviewer", count=args.clients, prefix="reader")
    clients = Clients(interviewers, [r.token for r in readers])
    gunicorn = Gunicorn(args.workers, args.worker_class, args.threads)
    stack.web_start(gunicorn=gunicorn)
    for reader in readers:  # warm every worker (imports, first connections)
        request("GET", stack.web_port, "/api/v1/me/", token=reader.token)
    report: dict[str, Any] = {"gunicorn": dataclasses.asdict(gunicorn), "load_before": _load()}
    if args.duration > 0:
        log(f"mixed: {args.clients} submitting + {args.clients} reading clients")
        mixed = window(stack, clients, args.duration, submit=True, read=True)
        report["mixed"] = mixed | {"ratio": _ratio(mixed["scorecards"], mixed["me"])}
    if args.rounds > 0 and args.solo_seconds > 0:
        report["alone"] = alone_rounds(stack, clients, args.solo_seconds, args.rounds, args.warmup)
    report["database"] = check_acknowledged(
        attempted=clients.attempted(), acknowledged=clients.acknowledged
    )
    report["server_500s_logged"] = stack.server_errors_logged()
    return report


def print_report(report: dict[str, Any]) -> None:
    lines = [f"gunicorn {report['gunicorn']}, load average before: {report['load_before']}"]
    for name, figures in _windows(report):
        lines.append(
            f"{name:40} {figures['throughput_per_s']:7.1f}/s  p50 {figures['p50_ms']} ms  "
            f"p99 {figures['p99_ms']} ms  statuses {figures['statuses']}  "
            f"connection errors {figures['connection_errors']}"
        )
        if figures["first_error"]:
            lines.append(f"  first error: {figures['first_error']}")
    if "mixed" in report:
        lines.append(f"ratio, mixed: {report['mixed']['ratio']}")
    if "alone" in report:
        alone = report["alone"]
        lines.append(
            f"alone, medians: scorecards {alone['median_scorecards_per_s']}/s, /me/ "
            f"{alone['median_me_per_s']}/s, ratio {alone['median_ratio']}; over all rounds "
            f"{alone['ratio_over_all_rounds']} (target >= 0.35); servers' CPU per request, "
            f"ratio me / scorecards: median {alone['median_cpu_ratio']}, over all rounds "
            f"{alone['cpu_ratio_over_all_rounds']}"
        )
    checks = report["database"]
    lines.append(
        f"acknowledged {checks['distinct_acknowledged_ids']}, in the database "
        f"{checks['scorecards_in_db_for_attempted_sessions']}: "
        f"{'none lost or doubled' if report['none_lost'] else 'MISMATCH'}"
    )
    print("\n".join(lines), file=sys.stderr)


def _windows(report: dict[str, Any]):
    for kind, label in (("scorecards", "POST /scorecards/ (30 ratings)"), ("me", "GET /me/")):
        if "mixed" in report:
            yield f"mixed, {label}", report["mixed"][kind]
        for index, run in enumerate(report.get("alone", {}).get("rounds", []), start=1):
            yield f"alone {index}, {label}", run[kind]


def main() -> int:
    args = parse_args()
    stack = Stack(
        "scorecard-bench",
        args.pg_port,
        args.redis_port,
        args.web_port,
        database=args.database,
        postgres_url=args.postgres,
        keep_database=args.keep_database,
    )
    with stack:
        report = measure(args, stack)
    report["script"] = "bench/scorecard_load_bench.py"
    report["ratings_per_scorecard"] = QUESTIONS_PER_SESSION * CRITERIA_PER_QUESTION
    report["clients_each"] = args.clients
    report["none_lost"] = none_lost_or_doubled(report["database"])
    if not args.json:
        print_report(report)
    holds = report["none_lost"] and report["server_500s_logged"] == 0
    return finish(report, holds=holds, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
