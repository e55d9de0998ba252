"""Fault drill: feedback reminders from two beat processes at once, and one SIGKILLed mid-run.

    .venv/bin/python bench/drill_feedback_reminders.py [--seats 2000] [--smtp-port 18321]
        [--postgres-url postgres://postgres:postgres@127.0.0.1:5432]

Creates its own database (`--database`, dropped first) on the PostgreSQL server given, migrates
it and fills it with `--seats` interviewer seats (two per session, four sessions per loop) whose
sessions ended two hours before "day 0", every interviewer with an e-mail address. A real SMTP
server (aiosmtpd) runs in this process on `--smtp-port`, counting messages by Message-ID.

1. Day 0: `--processes` (2) separate processes run the beat job (`feedback_reminders_send`) at
   the same moment. Every seat must get exactly one reminder.
2. Day 1: two processes again; one is SIGKILLed once a share (`--kill-at`) of the day's
   reminders has reached the server. Then a
   third run, after the claim lease, must send what the killed one left: every seat one reminder
   for day 1, none lost. A message the killed process had handed to the server just before the
   kill, but not yet stamped, may arrive twice (with the same Message-ID): counted, not hidden.
3. An idle run on day 1 (nothing due): its time is the steady cost of a beat run at this size.

Prints a JSON summary (and writes it with --json-out); exit 1 if a reminder was lost or a
message other than the one in flight at the kill was doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ROOT, log  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")

RUN = """
import datetime as dt, json, sys, time
import django
django.setup()
from notifications.services import feedback_reminders_send
now = dt.datetime.fromisoformat(sys.argv[1])
started = time.perf_counter()
counts = feedback_reminders_send(now=now)
print(json.dumps({"seconds": time.perf_counter() - started, "counts": counts}), flush=True)
"""

POPULATE = """
import datetime as dt, sys
import django
django.setup()
from django.contrib.auth.models import User
from interviews.models import (Candidate, InterviewSession, Job, JobTeamMember, Loop,
    LoopTemplate, SessionInterviewer)
seats, day0 = int(sys.argv[1]), dt.datetime.fromisoformat(sys.argv[2])
manager = User.objects.create(username="drill_hm", email="hm@drill.example")
job = Job.objects.create(title="Drill Engineer", hiring_manager=manager)
JobTeamMember.objects.create(job=job, user=manager, role="hiring_manager")
template = LoopTemplate.objects.create(name="Drill", job=job, session_count=4, session_minutes=60)
people = User.objects.bulk_create(
    User(username=f"drill_{n}", email=f"drill_{n}@drill.example") for n in range(8))
loops = Loop.objects.bulk_create(
    Loop(candidate=Candidate.objects.create(name=f"Candidate {n}"), template=template,
         status="scheduled", seed=n) for n in range(-(-seats // 8)))
sessions = InterviewSession.objects.bulk_create(
    InterviewSession(loop=loop, order=order, duration_minutes=60,
                     scheduled_at=day0 - dt.timedelta(hours=3))
    for loop in loops for order in range(1, 5))
SessionInterviewer.objects.bulk_create(
    SessionInterviewer(session=session, loop_id=session.loop_id,
                       interviewer=people[2 * (session.order - 1) + k], position=k + 1)
    for session in sessions for k in range(2))
print(SessionInterviewer.objects.count())
"""


class Recorder:
    """The SMTP server's handler: counts accepted messages by Message-ID."""

    def __init__(self) -> None:
        self.ids: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = ""
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
                break
        await asyncio.sleep(0)
        with self.lock:
            self.ids[message_id] += 1
        return "250 Accepted"

    def snapshot(self) -> Counter:
        with self.lock:
            return Counter(self.ids)


def _psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True, capture_output=True)


def _django(env: dict, code: str, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-c", code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, **popen
    )


def _runs_at_once(env: dict, now: dt.datetime, count: int, kill_when=None):
    """`count` runs of the job at `now`, started together; the first is SIGKILLed as soon as
    `kill_when()` is true (polled every 10 ms)."""
    runs = [_django(env, RUN, now.isoformat()) for _ in range(count)]
    killed = None
    if kill_when is not None:
        while not kill_when():
            time.sleep(0.01)
        runs[0].send_signal(signal.SIGKILL)
        killed = runs[0]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=600)
        results.append("killed" if run is killed else json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seats", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--kill-at", type=float, default=0.25, help="share of day 1 sent when a run is killed"
    )
    parser.add_argument("--smtp-port", type=int, default=18321)
    parser.add_argument("--postgres-url", default="postgres://postgres:postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="il_reminders_drill")
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    recorder = Recorder()
    smtp = Controller(recorder, hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "drill-only-secret-key-not-for-production-0123456789",
        "DATABASE_URL": f"{args.postgres_url}/{args.database}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(args.smtp_port),
        "EMAIL_TIMEOUT": "10",
        "DEFAULT_FROM_EMAIL": "loops@drill.example",
        "LOG_LEVEL": "WARNING",
    }
    try:
        _psql(args.postgres_url, f"DROP DATABASE IF EXISTS {args.database}")
        _psql(args.postgres_url, f"CREATE DATABASE {args.database}")
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        day0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
        populate = _django(env, POPULATE, str(args.seats), day0.isoformat())
        seats = int(populate.communicate(timeout=600)[0].strip())
        log(f"{seats} seats ready; day 0: {args.processes} runs at once")

        day0_runs = _runs_at_once(env, day0, args.processes)
        after_day0 = recorder.snapshot()
        log(f"day 0: {sum(after_day0.values())} messages; day 1: one run killed")

        day1 = day0 + dt.timedelta(days=1)

        # Kill one run once the day's sending is well under way: it is then in the middle of
        # a send (talking to the server) or between a claim and its stamp.
        def under_way() -> bool:
            return sum((recorder.snapshot() - after_day0).values()) >= seats * args.kill_at

        day1_runs = _runs_at_once(env, day1, 2, kill_when=under_way)
        after_kill = recorder.snapshot()
        lease = dt.timedelta(seconds=max(300, 10 * 10))
        recovery = _runs_at_once(env, day1 + lease + dt.timedelta(minutes=1), 1)
        idle = _runs_at_once(env, day1 + lease + dt.timedelta(minutes=2), 1)
        final = recorder.snapshot()
    finally:
        smtp.stop()
        subprocess.run(
            [
                "psql",
                f"{args.postgres_url}/postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {args.database}",
            ],
            capture_output=True,
        )

    day0_messages = sum(after_day0.values())
    day1_ids = final - after_day0
    doubled = {message_id: n for message_id, n in final.items() if n > 1}
    summary = {
        "seats": seats,
        "processes": args.processes,
        "day0": {
            "messages": day0_messages,
            "distinct": len(after_day0),
            "runs": day0_runs,
        },
        "day1": {
            "messages_before_recovery": sum((after_kill - after_day0).values()),
            "messages": sum(day1_ids.values()),
            "distinct": len(day1_ids),
            "runs": day1_runs,
            "recovery_run": recovery,
        },
        "idle_run": idle,
        "doubled_message_ids": doubled,
    }
    # One reminder per seat per day (the hiring manager's overdue notice is not due: 3 h).
    holds = (
        len(after_day0) == seats
        and day0_messages == seats
        and len(day1_ids) == seats
        and len(doubled) <= 1
    )
    summary["property_holds"] = holds
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    log("property holds" if holds else "PROPERTY FAILED")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
