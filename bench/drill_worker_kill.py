"""Fault drill: the Celery worker is SIGKILLed in the middle of a calibration report.

    .venv/bin/python bench/drill_worker_kill.py [--target all|child] [--candidates 6000]

Runs its own stack (bench/stack.py): a private PostgreSQL cluster and Redis, gunicorn, one
Celery worker (concurrency 1) and Celery beat, with short requeue timings
(CALIBRATION_STALE_AFTER_SECONDS=10, CALIBRATION_REQUEUE_EVERY_SECONDS=5) and the shortest
visibility timeout the settings accept (CELERY_VISIBILITY_TIMEOUT=60). The database is filled
with `manage.py generate_synthetic_data` so that one report takes a few seconds.

A recruiter requests a report over the API; once it is `running` with its statistics under way
(progress above 30), the worker is SIGKILLed: `--target all` kills its whole process group (the
main process and its pool child, as when a container or machine dies: the message stays unacked
in Redis), `--target child` only the pool process running the task (the main process sees the
loss and, with reject_on_worker_lost, requeues the message). A new worker is started; the drill
then keeps it running past the visibility timeout, so the redelivered original message arrives
too and must change nothing.

The property (exit 1 if it fails): the report ends `succeeded`, with a result, finished once: the
second attempt's result is the one stored, and every further delivery of the task found nothing
to claim (counted in the new worker's log). Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file, bench/drill_worker_kill.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import people  # noqa: E402
from bench.stack import Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import request  # noqa: E402

VISIBILITY_TIMEOUT = 60


def report_get(stack: Stack, token: str, report_id: int) -> dict:
    status, _, body = request(
        "GET", stack.web_port, f"/api/v1/calibration-reports/{report_id}/", token=token
    )
    if status != 200:
        return {"status": f"http_{status}"}
    return body


def pool_children(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in done.stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["all", "child"], default="all")
    parser.add_argument("--candidates", type=int, default=6000)
    parser.add_argument("--interviewers", type=int, default=150)
    parser.add_argument("--restart-after", type=float, default=3, help="seconds with no worker")
    parser.add_argument("--wait", type=float, default=150, help="max seconds for the report")
    parser.add_argument(
        "--linger-max",
        type=float,
        default=200,
        help="max seconds after the kill to wait for the redelivered message",
    )
    add_stack_arguments(parser, pg_port=25462, redis_port=26409, web_port=28030)
    args = parser.parse_args()

    stack = Stack(
        "worker-kill",
        args.pg_port,
        args.redis_port,
        args.web_port,
        extra_env={
            "CALIBRATION_STALE_AFTER_SECONDS": "10",
            "CALIBRATION_REQUEUE_EVERY_SECONDS": "5",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "LOG_LEVEL": "INFO",  # the service logs "nothing to claim" at INFO
        },
    )
    summary: dict = {"script": "bench/drill_worker_kill.py", "target": args.target}
    with stack:
        started = time.monotonic()
        out = stack.manage(
            "generate_synthetic_data",
            "--candidates",
            str(args.candidates),
            "--interviewers",
            str(args.interviewers),
            "--seed",
            "11",
        )
        log(out.strip().splitlines()[0])
        summary["data"] = out.strip().splitlines()[0]
        stack.django()
        (recruiter,) = people(role="recruiter", count=1, prefix="drill")
        token = recruiter.token
        log(f"data ready in {time.monotonic() - started:.0f} s")

        stack.web_start(workers=2)
        stack.beat_start()
        worker = stack.worker_start("worker-1")
        time.sleep(3)

        code, _, body = request(
            "POST",
            stack.web_port,
            "/api/v1/calibration-reports/",
            body={"filters": {}},
            token=token,
        )
        if code != 202:
            raise SystemExit(f"report request answered {code}: {body}")
        report_id = body["id"]
        requested_at = time.monotonic()
        seen: list[tuple[float, str, int]] = []
        killed_at = None
        killed_progress = None
        while time.monotonic() - requested_at < 120:
            state = report_get(stack, token, report_id)
            seen.append(
                (round(time.monotonic() - requested_at, 2), state["status"], state.get("progress"))
            )
            if state["status"] == "running" and (state.get("progress") or 0) > 30:
                killed_progress = state["progress"]
                if args.target == "all":
                    stack.kill("worker-1", signal.SIGKILL)
                else:
                    for child in pool_children(worker.pid):
                        os.kill(child, signal.SIGKILL)
                killed_at = time.monotonic()
                log(f"worker ({args.target}) SIGKILLed at progress {killed_progress}")
                break
            if state["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        if killed_at is None:
            raise SystemExit(
                f"the report was never seen running past 30% before it ended ({seen[-3:]}); "
                "raise --candidates so that it takes longer"
            )
        after_kill = report_get(stack, token, report_id)
        summary["at_kill"] = {
            "seconds_after_request": round(killed_at - requested_at, 2),
            "progress": killed_progress,
            "status_just_after_kill": after_kill["status"],
        }
        if args.target == "all":
            time.sleep(args.restart_after)
            stack.worker_start("worker-2")
            restarted_at = time.monotonic()
        else:
            restarted_at = killed_at  # the main process restarts its pool child by itself

        final = None
        statuses: dict[str, int] = {}
        while time.monotonic() - restarted_at < args.wait:
            state = report_get(stack, token, report_id)
            statuses[state["status"]] = statuses.get(state["status"], 0) + 1
            if state["status"] in ("succeeded", "failed"):
                final = state
                break
            time.sleep(0.5)
        finished_at = time.monotonic()
        # Keep the new worker up until Redis hands back the message the killed worker held
        # (visibility timeout, then kombu's restore scan, which runs about every 100 s): that
        # delivery must find nothing to do. Bounded by --linger-max.
        redelivery_seen_after = None
        if final is not None:
            log(f"report {final['status']}; waiting for the redelivered message")
            while time.monotonic() - killed_at < args.linger_max:
                runs = stack.log_tail("worker-1", 100000) + stack.log_tail("worker-2", 100000)
                if runs.count(f"calibration report {report_id}: nothing to claim"):
                    redelivery_seen_after = round(time.monotonic() - killed_at, 1)
                    break
                time.sleep(2)
        from scoring.reports.models import CalibrationReport

        row = CalibrationReport.objects.values(
            "status", "attempts", "progress", "started_at", "finished_at", "error"
        ).get(id=report_id)
        last = report_get(stack, token, report_id)
        worker_logs = stack.log_tail("worker-1", 100000) + "\n" + stack.log_tail("worker-2", 100000)
        received = len(
            re.findall(
                r"Task scoring\.tasks\.calibration_report_run_task\[[^\]]+\] received", worker_logs
            )
        )
        nothing = worker_logs.count(f"calibration report {report_id}: nothing to claim")
        failed_runs = worker_logs.count(f"calibration report {report_id} attempt")
        summary.update(
            {
                "settings": {
                    "CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
                    "CALIBRATION_STALE_AFTER_SECONDS": 10,
                    "CALIBRATION_REQUEUE_EVERY_SECONDS": 5,
                    "worker_concurrency": 1,
                },
                "statuses_polled_after_kill": statuses,
                "final_status": final["status"] if final else None,
                "seconds_from_kill_to_succeeded": round(finished_at - killed_at, 1)
                if final
                else None,
                "attempts": row["attempts"],
                "result_present": last.get("result") is not None,
                "finished_at_unchanged_after_redelivery": (
                    final is not None and last.get("finished_at") == final.get("finished_at")
                ),
                "task_deliveries_logged": received,
                "deliveries_that_found_nothing_to_claim": nothing,
                "redelivered_message_seen_by_seconds_after_kill": redelivery_seen_after,
                "attempts_that_failed": failed_runs,
                "error": row["error"],
            }
        )

    ok = (
        summary["final_status"] == "succeeded"
        and summary["result_present"]
        and summary["finished_at_unchanged_after_redelivery"]
        and summary["attempts_that_failed"] == 0
        and summary["attempts"] == 2
    )
    return finish(summary, holds=ok, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
