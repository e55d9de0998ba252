"""Webhooks under load (results in docs/BENCHMARKS.md).

    .venv/bin/python bench/webhook_bench.py --rounds 4 --solo-seconds 8 --deliveries 10000

Starts its own stack (bench/stack.py: private PostgreSQL, Redis, gunicorn; WEBHOOK_ALLOW_PRIVATE
and WEBHOOK_ALLOW_INSECURE on, so the receiver can be a local HTTP server in this process), then:
1. Scorecard submissions (bench/scorecard_load_bench.py's clients: 30 ratings each, submit: true)
   in interleaved windows with 0 and with 3 active subscriptions to `scorecard.submitted`
   (`--deliver-during`: a Celery worker fans out and sends the deliveries during the windows
   too; by default it does so after the windows, so the windows measure the request path
   alone). The ratio of
   the two throughputs is the property: at least 0.9.
2. `--deliveries` pending deliveries to the local receiver (answering 204), queued in bulk, and
   `--drain-workers` Celery workers (prefork, `--drain-concurrency` each) started: the time until
   every one has succeeded, and the rate.
Every acknowledged scorecard is checked against the database afterwards, and every delivery of
part 1 must end succeeded (none lost).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log  # noqa: E402
from bench.populate import populate, webhook_deliveries  # noqa: E402
from bench.scorecard_load_bench import (  # noqa: E402
    CRITERIA_PER_QUESTION,
    QUESTIONS_PER_SESSION,
    Clients,
    stagger,
    window,
)
from bench.stack import Gunicorn, Stack, add_stack_arguments, finish  # noqa: E402
from bench.traffic import check_acknowledged, none_lost_or_doubled  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--clients", type=int, default=8, help="submitting clients")
    parser.add_argument("--loops", type=int, default=600, help="loops seeded (upper bound)")
    parser.add_argument("--solo-seconds", type=float, default=8.0, help="seconds per window")
    parser.add_argument("--rounds", type=int, default=4, help="pairs of windows (0 and 3 subs)")
    parser.add_argument("--deliver-during", action="store_true")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument(
        "--windows-drain-seconds",
        type=float,
        default=1800,
        help="how long the worker may take to send the windows' deliveries afterwards",
    )
    parser.add_argument("--drain-workers", type=int, default=1)
    parser.add_argument("--drain-concurrency", type=int, default=4)
    parser.add_argument("--receiver-port", type=int, default=18314)
    add_stack_arguments(parser, pg_port=18311, redis_port=18312, web_port=18313)
    return parser.parse_args()


class Receiver:
    """A local webhook receiver answering 204 to every POST; counts what arrived."""

    def __init__(self, port: int) -> None:
        self.count = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.lock:
                    owner.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 512
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{port}/hooks"


def _subscriptions_set(active: int, receiver: Receiver) -> None:
    from django.core.cache import cache

    from webhooks.models import WebhookSubscription
    from webhooks.selectors import SUBSCRIPTIONS_CACHE_KEY

    subscriptions = list(WebhookSubscription.objects.order_by("id"))
    while len(subscriptions) < 3:
        subscriptions.append(
            WebhookSubscription.objects.create(
                url=receiver.url, events=["scorecard.submitted"], secret=SECRET, is_active=False
            )
        )
    for index, subscription in enumerate(subscriptions):
        # Switched off by event, not by is_active: deliveries already queued to them stay due.
        subscription.is_active = True
        subscription.events = ["scorecard.submitted" if index < active else "loop.cancelled"]
        subscription.save(update_fields=["is_active", "events"])
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)  # what the API's writes do


def _pending() -> int:
    """Deliveries pending, counting those of events not fanned out yet (one per subscription)."""
    from django.db import connection

    from webhooks.models import WebhookDelivery, WebhookEvent

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(cardinality(subscription_ids)), 0) "
            f"FROM {WebhookEvent._meta.db_table}"
        )
        waiting = int(cursor.fetchone()[0])
    return waiting + WebhookDelivery.objects.filter(status="pending").count()


def _wait_drained(timeout: float) -> float:
    started = time.monotonic()
    while _pending() and time.monotonic() - started < timeout:
        time.sleep(0.5)
    return time.monotonic() - started


def submissions(args: argparse.Namespace, stack: Stack, receiver: Receiver) -> dict[str, Any]:
    interviewers, _ = populate(
        interviewers=args.clients,
        loops_per_team=args.loops,
        sessions_per_loop=args.clients,
        questions_per_session=QUESTIONS_PER_SESSION,
        criteria_per_question=CRITERIA_PER_QUESTION,
        prefix="bench",
    )
    stagger(interviewers)
    clients = Clients(interviewers, [])
    stack.web_start(gunicorn=Gunicorn(args.workers, "gthread", args.threads))
    worker = stack.worker_start("worker", concurrency=2) if args.deliver_during else None
    _subscriptions_set(3, receiver)
    window(stack, clients, 3.0, submit=True, read=False)  # warm-up, not counted
    rounds = []
    for index in range(args.rounds):
        pair = {}
        # Interleaved, the order alternating: both see the same machine.
        for active in (0, 3) if index % 2 == 0 else (3, 0):
            _subscriptions_set(active, receiver)
            figures = window(stack, clients, args.solo_seconds, submit=True, read=False)
            pair[active] = figures["scorecards"]
        ratio = round(pair[3]["throughput_per_s"] / pair[0]["throughput_per_s"], 3)
        cpu = (pair[0]["server_cpu_ms_per_request"], pair[3]["server_cpu_ms_per_request"])
        cpu_ratio = round(cpu[0] / cpu[1], 3) if all(cpu) else None
        rounds.append(
            {"without": pair[0], "with_3": pair[3], "ratio": ratio, "cpu_ratio": cpu_ratio}
        )
        log(
            f"round {index + 1}: 0 subscriptions {pair[0]['throughput_per_s']}/s "
            f"({pair[0]['server_cpu_ms_per_request']} ms server CPU), 3 subscriptions "
            f"{pair[3]['throughput_per_s']}/s ({pair[3]['server_cpu_ms_per_request']} ms), "
            f"ratio {ratio}, CPU ratio {cpu_ratio}"
        )
    if worker is None:
        worker = stack.worker_start("worker", concurrency=2)
    queued = _pending()
    drained_in = _wait_drained(args.windows_drain_seconds)
    without = sum(r["without"]["ok"] for r in rounds) / sum(
        r["without"]["window_s"] for r in rounds
    )
    with_3 = sum(r["with_3"]["ok"] for r in rounds) / sum(r["with_3"]["window_s"] for r in rounds)
    stack.kill("worker")
    cpu = {
        key: sum(r[key]["server_cpu_s"] for r in rounds) / sum(r[key]["ok"] for r in rounds)
        for key in ("without", "with_3")
    }
    return {
        "rounds": rounds,
        "median_ratio": round(statistics.median(r["ratio"] for r in rounds), 3),
        "median_cpu_ratio": round(
            statistics.median(r["cpu_ratio"] for r in rounds if r["cpu_ratio"]), 3
        ),
        # Servers' CPU per submission without / with: the throughput ratio on a machine that
        # ran only this stack (the windows share the machine with other work).
        "cpu_ratio_over_all_rounds": round(cpu["without"] / cpu["with_3"], 3),
        "ratio_over_all_rounds": round(with_3 / without, 3),
        "deliveries_pending_after_windows": queued,
        "deliveries_left_pending": _pending(),
        "drained_in_s": round(drained_in, 1),
        "database": check_acknowledged(
            attempted=clients.attempted(), acknowledged=clients.acknowledged
        ),
    }


def _warm_up(subscription) -> None:
    from webhooks.models import WebhookDelivery
    from webhooks.services import webhook_deliveries_enqueue

    for number in range(20):
        row = WebhookDelivery.objects.create(
            subscription=subscription,
            event="feedback.overdue",
            message_id=f"msg_warm{number}",
            payload={"type": "feedback.overdue", "data": {}},
        )
        webhook_deliveries_enqueue(delivery_ids=[row.pk])
    _wait_drained(120)


def drain(args: argparse.Namespace, stack: Stack, receiver: Receiver) -> dict[str, Any]:
    from webhooks.models import WebhookDelivery, WebhookSubscription
    from webhooks.services import webhook_deliveries_enqueue

    subscription = WebhookSubscription.objects.create(
        url=receiver.url, events=["feedback.overdue"], secret=SECRET
    )
    for number in range(args.drain_workers):
        stack.worker_start(f"drain{number}", concurrency=args.drain_concurrency)
    _warm_up(subscription)  # the workers are up and connected before the clock starts
    before = receiver.count
    rows = webhook_deliveries(subscription=subscription, count=args.deliveries, prefix="bench")
    log(f"{len(rows)} deliveries stored; queueing them (one message per 100)")
    started = time.monotonic()
    for start in range(0, len(rows), 100):
        webhook_deliveries_enqueue(delivery_ids=[row.pk for row in rows[start : start + 100]])
    _wait_drained(1800)
    elapsed = time.monotonic() - started
    succeeded = WebhookDelivery.objects.filter(  # the backlog's, not the warm-up's
        pk__in=[row.pk for row in rows], status="succeeded"
    ).count()
    return {
        "deliveries": len(rows),
        "succeeded": succeeded,
        "received": receiver.count - before,
        "seconds_from_first_enqueue": round(elapsed, 1),
        "per_second": round(succeeded / elapsed, 1) if elapsed else None,
        "workers": args.drain_workers,
        "concurrency_each": args.drain_concurrency,
    }


def main() -> int:
    args = parse_args()
    stack = Stack(
        "webhook-bench",
        args.pg_port,
        args.redis_port,
        args.web_port,
        database="interview_loops_webhook_bench",
        extra_env={"WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_ALLOW_INSECURE": "1"},
    )
    receiver = Receiver(args.receiver_port)
    with stack:
        stack.django()
        report: dict[str, Any] = {"submissions": submissions(args, stack, receiver)}
        report["drain"] = drain(args, stack, receiver)
    report["script"] = "bench/webhook_bench.py"
    report["deliver_during"] = args.deliver_during
    sub = report["submissions"]
    sub["none_lost"] = none_lost_or_doubled(sub["database"])
    holds = (
        sub["none_lost"]
        and sub["ratio_over_all_rounds"] >= 0.9
        and sub["deliveries_left_pending"] == 0
        and report["drain"]["succeeded"] == report["drain"]["deliveries"]
    )
    log(
        f"ratio with 3 subscriptions / without: {sub['ratio_over_all_rounds']} (median "
        f"{sub['median_ratio']}), servers' CPU ratio {sub['cpu_ratio_over_all_rounds']}; "
        f"drain: {report['drain']['per_second']} deliveries/s"
    )
    return finish(report, holds=holds, json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
