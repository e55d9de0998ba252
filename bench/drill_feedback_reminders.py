"""Fault drill: feedback reminders from two beat processes at once, and one SIGKILLed mid-run.

    .venv/bin/python bench/drill_feedback_reminders.py [--seats 2000] [--smtp-port 18321]

Runs its own stack (bench/stack.py: a private PostgreSQL cluster and Redis on ports 18322-18323)
and fills it with `--seats` sessions, one interviewer each (bench/populate.py), that ended three
hours before "day 0", every interviewer with an e-mail address. A real SMTP server (aiosmtpd)
runs in this process on `--smtp-port`, counting messages by Message-ID.

1. Day 0: `--processes` (2) separate processes run the beat job (`feedback_reminders_send`) at
   the same moment. Every seat must get exactly one reminder.
2. Day 1: two processes again; one is SIGKILLed once a share (`--kill-at`) of the day's
   reminders has reached the server. Then a third run, after the claim lease, must send what the
   killed one left: every seat one reminder for day 1, none lost. A message the killed process
   had handed to the server just before the kill, but not yet stamped, may arrive twice (with
   the same Message-ID): counted, not hidden.
3. An idle run on day 1 (nothing due): its time is the steady cost of a beat run at this size.

Prints a JSON summary (and writes it with --json-out); exit 1 if a reminder was lost or a
message other than the one in flight at the kill was doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import populate  # noqa: E402
from bench.stack import PYTHON, Stack, add_stack_arguments, finish  # noqa: E402

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


def _sessions_ended(day0: dt.datetime) -> int:
    """Give every interviewer an address and end every session three hours before day 0."""
    from django.contrib.auth.models import User
    from django.db.models import Value
    from django.db.models.functions import Concat

    from interviews.models import InterviewSession, SessionInterviewer

    User.objects.update(email=Concat("username", Value("@drill.example")))
    InterviewSession.objects.update(scheduled_at=day0 - dt.timedelta(hours=4))
    return SessionInterviewer.objects.count()


_runs = Counter()


def _runs_at_once(stack: Stack, now: dt.datetime, count: int, kill_when=None) -> list:
    """`count` runs of the job at `now`, started together; the first is SIGKILLed as soon as
    `kill_when()` is true (polled every 10 ms)."""
    names = []
    for _ in range(count):
        _runs["run"] += 1
        name = f"run{_runs['run']}"
        stack._spawn(name, [PYTHON, "-c", RUN, now.isoformat()])
        names.append(name)
    killed = None
    if kill_when is not None:
        while not kill_when():
            time.sleep(0.01)
        killed = names[0]
        stack.kill(killed, signal.SIGKILL)
    results = []
    for name in names:
        if name == killed:
            results.append("killed")
            continue
        stack.processes[name].wait(timeout=600)
        lines = [line for line in stack.log_tail(name, 200).splitlines() if line.startswith("{")]
        results.append(json.loads(lines[-1]) if lines else stack.log_tail(name))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seats", type=int, default=2000, help="a multiple of 8")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--kill-at", type=float, default=0.25, help="share of day 1 sent when a run is killed"
    )
    parser.add_argument("--smtp-port", type=int, default=18321)
    add_stack_arguments(parser, pg_port=18322, redis_port=18323, web_port=18324)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    recorder = Recorder()
    smtp = Controller(recorder, hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    email = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(args.smtp_port),
        "EMAIL_TIMEOUT": "10",
        "DEFAULT_FROM_EMAIL": "loops@drill.example",
    }
    try:
        with Stack(
            "reminders", args.pg_port, args.redis_port, args.web_port, extra_env=email
        ) as stack:
            stack.django()
            populate(interviewers=8, loops_per_team=args.seats // 8, prefix="drill")
            day0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
            seats = _sessions_ended(day0)
            log(f"{seats} seats ready; day 0: {args.processes} runs at once")

            day0_runs = _runs_at_once(stack, day0, args.processes)
            after_day0 = recorder.snapshot()
            log(f"day 0: {sum(after_day0.values())} messages; day 1: one run killed")

            # Kill one run once the day's sending is well under way: it is then in the middle
            # of a send (talking to the server) or between a claim and its stamp.
            def under_way() -> bool:
                return sum((recorder.snapshot() - after_day0).values()) >= seats * args.kill_at

            day1 = day0 + dt.timedelta(days=1)
            day1_runs = _runs_at_once(stack, day1, 2, kill_when=under_way)
            after_kill = recorder.snapshot()
            lease = dt.timedelta(seconds=max(300, 10 * 10))  # send_lease() at EMAIL_TIMEOUT=10
            recovery = _runs_at_once(stack, day1 + lease + dt.timedelta(minutes=1), 1)
            idle = _runs_at_once(stack, day1 + lease + dt.timedelta(minutes=2), 1)
            final = recorder.snapshot()
    finally:
        smtp.stop()

    day0_messages = sum(after_day0.values())
    day1_ids = final - after_day0
    doubled = {message_id: n for message_id, n in final.items() if n > 1}
    summary = {
        "seats": seats,
        "processes": args.processes,
        "day0": {"messages": day0_messages, "distinct": len(after_day0), "runs": day0_runs},
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
    return finish(summary, holds=holds, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
