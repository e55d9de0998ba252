"""Fault drill: Redis (the Celery broker and the rate-limit cache) dies while scorecards come in.

    .venv/bin/python bench/drill_redis_stop.py [--outage 15] [--before 8] [--wait-report 90]

Runs its own stack (bench/stack.py; the machine's Redis is never touched): a private
PostgreSQL cluster and Redis, gunicorn with two workers, a Celery worker and Celery beat, with the
production settings that matter here (CACHE_URL and CELERY_BROKER_URL both on that Redis, as in
docker-compose.yml) and short requeue timings (CALIBRATION_STALE_AFTER_SECONDS=5,
CALIBRATION_REQUEUE_EVERY_SECONDS=5). Eight interviewer threads submit scorecards throughout.

Phases: `before` (healthy; a first calibration report is requested and must succeed), `outage`
(Redis is SIGKILLed; it restarts empty after `--outage` s, so any message it held is gone; a
recruiter requests a report meanwhile), `after` (Redis back; wait for that report).

The property, checked at the end (exit 1 if it fails):
- submissions keep succeeding while Redis is down: every submission gets its 201 (no 5xx), and
  every acknowledged scorecard is in the database once;
- the report requested during the outage is answered 202 `queued`, is readable (never 404) at
  every poll, and ends `succeeded` once Redis is back (the beat task re-sends it), within
  `--wait-report` seconds.
Prints a JSON summary of what the client saw per phase.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file, bench/drill_redis_stop.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.populate import populate  # noqa: E402
from bench.stack import Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import Phases, ScorecardTraffic, none_lost_or_doubled, request  # noqa: E402


def report_request(stack: Stack, token: str) -> tuple[int, float, dict]:
    started = time.perf_counter()
    status, _, body = request(
        "POST",
        stack.web_port,
        "/api/v1/calibration-reports/",
        body={"filters": {}},
        token=token,
        timeout=60,
    )
    return status, time.perf_counter() - started, body


def report_wait(
    stack: Stack, token: str, report_id: int, timeout: float, seen: collections.Counter
) -> tuple[str, float]:
    """Poll until the report is finished; count every status (and any 404) seen on the way."""
    started = time.monotonic()
    status_name = "unknown"
    while time.monotonic() - started < timeout:
        try:
            code, _, body = request(
                "GET", stack.web_port, f"/api/v1/calibration-reports/{report_id}/", token=token
            )
        except OSError:
            seen["no_answer"] += 1
            time.sleep(0.5)
            continue
        if code != 200:
            seen[f"http_{code}"] += 1
        else:
            status_name = body["status"]
            seen[status_name] += 1
            if status_name in ("succeeded", "failed"):
                break
        time.sleep(0.5)
    return status_name, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=float, default=8)
    parser.add_argument("--outage", type=float, default=15)
    parser.add_argument("--wait-report", type=float, default=90)
    parser.add_argument("--clients", type=int, default=8)
    add_stack_arguments(parser, pg_port=25452, redis_port=26399, web_port=28020)
    args = parser.parse_args()

    stack = Stack(
        "redis-stop",
        args.pg_port,
        args.redis_port,
        args.web_port,
        extra_env={
            "CALIBRATION_STALE_AFTER_SECONDS": "5",
            "CALIBRATION_REQUEUE_EVERY_SECONDS": "5",
        },
    )
    summary: dict = {"script": "bench/drill_redis_stop.py"}
    with stack:
        stack.django()
        interviewers, recruiter = populate(interviewers=args.clients, loops_per_team=600)
        stack.web_start(workers=2)
        stack.worker_start()
        stack.beat_start()
        phases = Phases("before")
        traffic = ScorecardTraffic(stack.web_port, interviewers, phases)
        traffic.start()
        time.sleep(args.before)

        code, seconds, body = report_request(stack, recruiter)
        first_seen: collections.Counter = collections.Counter()
        first_final, first_time = (
            report_wait(stack, recruiter, body["id"], 60, first_seen)
            if code == 202
            else ("not_accepted", 0.0)
        )
        summary["report_before_outage"] = {
            "http_status": code,
            "final_status": first_final,
            "seconds_to_finish": round(first_time, 1),
        }

        phases.enter("outage")
        stack.redis_stop()
        time.sleep(1)
        health = request("GET", stack.web_port, "/healthz", timeout=30)
        code, seconds, body = report_request(stack, recruiter)
        report_id = body.get("id") if isinstance(body, dict) else None
        during_seen: collections.Counter = collections.Counter()
        summary["report_during_outage"] = {
            "http_status": code,
            "status_in_answer": body.get("status") if isinstance(body, dict) else None,
            "answer_seconds": round(seconds, 2),
            "error_body": body if code >= 400 else None,
        }
        summary["healthz_during_outage"] = {"http_status": health[0], "body": health[2]}
        # Poll it through the rest of the outage: it must stay readable (queued, not gone).
        outage_left = args.outage - 1 - seconds
        if report_id is not None and outage_left > 0:
            report_wait(stack, recruiter, report_id, outage_left, during_seen)
        elif outage_left > 0:
            time.sleep(outage_left)

        stack.redis_start()
        back_at = time.monotonic()
        phases.enter("after")
        final, waited = ("not_accepted", 0.0)
        if report_id is not None:
            final, waited = report_wait(stack, recruiter, report_id, args.wait_report, during_seen)
        time.sleep(3)
        hung = traffic.finish()
        checks = traffic.checks()
        from scoring.reports.models import CalibrationReport

        row = CalibrationReport.objects.filter(id=report_id).values("status", "attempts").first()
        summary["report_during_outage"].update(
            {
                "statuses_seen_while_polling": dict(during_seen),
                "final_status": final,
                "seconds_from_redis_back_to_finished": round(time.monotonic() - back_at, 1)
                if final == "succeeded"
                else None,
                "attempts": row["attempts"] if row else None,
            }
        )
        tracebacks = stack.server_errors_logged()

    outage_submits = [e for e in traffic.events if e.phase == "outage" and e.kind == "submit"]
    summary.update(
        {
            "settings": {
                "clients": args.clients,
                "outage_seconds": args.outage,
                "redis_stop": "SIGKILL, restarted empty (no persistence)",
                "CACHE_URL": "same Redis, db 1",
                "CALIBRATION_STALE_AFTER_SECONDS": 5,
                "CALIBRATION_REQUEUE_EVERY_SECONDS": 5,
            },
            "status_counts_per_phase": traffic.status_counts(),
            "submissions_during_outage": len(outage_submits),
            "p99_submit_seconds_during_outage": round(
                sorted(e.seconds for e in outage_submits)[int(0.99 * (len(outage_submits) - 1))],
                3,
            )
            if outage_submits
            else None,
            "database": checks,
            "unacknowledged_submissions": len(traffic.unacknowledged),
            "5xx_not_in_error_shape": len(traffic.bad_bodies),
            "server_500s_logged": tracebacks,
            "hung_client_threads": hung,
        }
    )
    report = summary["report_during_outage"]
    ok = (
        bool(outage_submits)
        and all(e.status == 201 for e in outage_submits)
        and not any(e.status >= 500 or e.status == 0 for e in traffic.events)
        and none_lost_or_doubled(checks)
        and summary["report_before_outage"]["final_status"] == "succeeded"
        and report["http_status"] == 202
        and report["status_in_answer"] == "queued"
        and report["final_status"] == "succeeded"
        and not any(k.startswith("http_") or k == "no_answer" for k in during_seen)
        and hung == 0
    )
    return finish(summary, holds=ok, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
