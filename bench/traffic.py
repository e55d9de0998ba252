"""Traffic against a stack: the HTTP client, tallies and percentiles, and interviewers writing.

Clients use the standard library only (`http.client`, threads), one connection per request, on
127.0.0.1.
- `request` / `send_and_drop`: one request (or one whose response is dropped);
- `Tally` and `run_window`: clients of one kind sending as fast as answers come, for a while;
  throughput, p50 / p99, statuses;
- `ScorecardTraffic`: interviewers submitting scorecards through a fault, retrying like a careful
  client, each event stamped with the drill's phase;
- `check_acknowledged`: afterwards, through the ORM, nothing acknowledged is lost or doubled.
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import random
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench import HOST, log
from bench.populate import Assignment, Interviewer


def request(
    method: str,
    port: int,
    path: str,
    *,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], Any]:
    """One request on a fresh connection; returns (status, headers, parsed JSON or text)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json"}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Token {token}"
        sent.update(headers or {})
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, answer_headers, parsed
    finally:
        connection.close()


def send_and_drop(
    method: str, port: int, path: str, *, body: Any, token: str, headers: dict[str, str]
) -> None:
    """Send a whole request, then close the socket without reading: a dropped response."""
    payload = json.dumps(body).encode()
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(
            method,
            path,
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {token}",
                **headers,
            },
        )
    finally:
        # RST instead of FIN, so nothing lingers: the server's write of the response fails.
        with contextlib.suppress(OSError):
            if connection.sock is not None:
                connection.sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
        connection.close()


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


# ---- clients of one kind, as fast as answers come -------------------------------------------
@dataclass
class Tally:
    """What the clients of one kind saw: latencies, statuses, connection errors."""

    latencies: list[float] = field(default_factory=list)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    errors: int = 0
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, status: int, seconds: float, body: Any) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            if status >= 400 and not self.first_error:
                self.first_error = str(body)[:300]

    def failed(self, exc: OSError) -> None:
        with self.lock:
            self.errors += 1
            self.first_error = self.first_error or repr(exc)

    def summary(self, elapsed: float) -> dict[str, Any]:
        ms = [s * 1000 for s in self.latencies]
        ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)
        return {
            "requests": len(ms),
            "ok": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connection_errors": self.errors,
            "first_error": self.first_error,
            "window_s": round(elapsed, 3),
            "throughput_per_s": round(ok / elapsed, 1) if elapsed else None,
            "p50_ms": round(percentile(ms, 0.50) or 0, 1),
            "p99_ms": round(percentile(ms, 0.99) or 0, 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        }


class Client(Protocol):
    """One client thread's behaviour: what to send next (None: nothing left), and what to do
    with an answer."""

    def next_request(self) -> tuple[str, str, str, Any] | None: ...  # method, path, token, body

    def answered(self, status: int, body: Any) -> None: ...


def run_window(port: int, clients: list[tuple[Client, Tally]], seconds: float) -> float:
    """Run the clients side by side for `seconds` (or until one has nothing left); returns the
    window's length. Every thread starts at the same moment (a barrier)."""
    stop = threading.Event()
    gate = threading.Barrier(len(clients) + 1)

    def run(client: Client, tally: Tally) -> None:
        gate.wait()
        while not stop.is_set():
            sent = client.next_request()
            if sent is None:
                break
            method, path, token, body = sent
            started = time.perf_counter()
            try:
                status, _, answer = request(method, port, path, body=body, token=token)
            except OSError as exc:
                tally.failed(exc)
                continue
            tally.add(status, time.perf_counter() - started, answer)
            client.answered(status, answer)
        stop.set()  # one client out of work ends the window for all: the load stays even

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in clients]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    stop.wait(timeout=seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return time.perf_counter() - began


class MeReader:
    """Reads GET /api/v1/me/ again and again: the cheapest authenticated request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def next_request(self) -> tuple[str, str, str, Any]:
        return "GET", "/api/v1/me/", self.token, None

    def answered(self, status: int, body: Any) -> None:
        pass


class Submitter:
    """An interviewer submitting their scorecards in order, one attempt each; what was
    acknowledged (session id -> scorecard id) is kept in `acknowledged`, shared by all."""

    def __init__(self, interviewer: Interviewer, seed: int, acknowledged: dict[int, int]) -> None:
        self.interviewer = interviewer
        self.rng = random.Random(seed)
        self.waiting = iter(interviewer.assignments)
        self.acknowledged = acknowledged
        self.attempted: list[int] = []

    def next_request(self) -> tuple[str, str, str, Any] | None:
        assignment = next(self.waiting, None)
        if assignment is None:
            return None
        self.attempted.append(assignment.session_id)
        body = scorecard_body(assignment, self.rng)
        return "POST", "/api/v1/scorecards/", self.interviewer.token, body

    def answered(self, status: int, body: Any) -> None:
        if status == 201:
            self.acknowledged[self.attempted[-1]] = body["id"]


# ---- scorecards ----------------------------------------------------------------------------
def scorecard_body(assignment: Assignment, rng: random.Random) -> dict[str, Any]:
    return {
        "session": assignment.session_id,
        "overall_recommendation": rng.choice(["strong_no", "no", "yes", "strong_yes"]),
        "summary": "Load test scorecard: clear reasoning, checked the metric's guardrails.",
        "ratings": [
            {"criterion": c, "rating": rng.randint(0, 4), "note": "seen in the answer"}
            for c in assignment.criteria
        ],
        "submit": True,
    }


# ---- traffic for the drills -------------------------------------------------------------------
class Phases:
    """The drill's current phase, stamped on every request the traffic threads make."""

    def __init__(self, first: str) -> None:
        self.name = first
        self.started = {first: time.monotonic()}

    def enter(self, name: str) -> None:
        self.name = name
        self.started[name] = time.monotonic()
        log(f"phase: {name}")


@dataclass
class Event:
    at: float  # when the answer came
    phase: str  # the phase the request was sent in
    kind: str  # "submit" or the path read
    status: int  # 0 = no HTTP answer (connection refused, reset, timeout)
    code: str | None
    seconds: float


class ScorecardTraffic:
    """Interviewer threads submitting scorecards until stopped, retrying like a careful client.

    Each submission has its own Idempotency-Key; a 503, a 429 or no answer is retried with the
    same key and body (bounded by `stop`), so a request whose outcome the client never learned
    is either replayed or created once. Every 201 is recorded as acknowledged.
    """

    def __init__(self, port: int, interviewers: list[Interviewer], phases: Phases) -> None:
        self.port = port
        self.interviewers = interviewers
        self.phases = phases
        self.stop = threading.Event()
        self.give_up_at = float("inf")  # a submission in doubt is retried until this moment
        self.lock = threading.Lock()
        self.events: list[Event] = []
        self.acknowledged: dict[int, int] = {}
        self.attempted: set[int] = set()
        self.unacknowledged: list[int] = []
        self.bad_bodies: list[dict[str, Any]] = []
        self.threads = [
            threading.Thread(target=self._run, args=(it, i), daemon=True)
            for i, it in enumerate(interviewers)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, timeout: float = 60) -> int:
        """Start no new submission; settle those in doubt (retry up to `timeout` s)."""
        self.give_up_at = time.monotonic() + timeout
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=timeout + 35)
        return sum(1 for t in self.threads if t.is_alive())

    def record(
        self, kind: str, status: int, body: Any, seconds: float, phase: str | None = None
    ) -> None:
        """One answer; `phase` is the phase the request was sent in (default: now)."""
        code = body.get("code") if isinstance(body, dict) else None
        with self.lock:
            self.events.append(
                Event(time.monotonic(), phase or self.phases.name, kind, status, code, seconds)
            )
            # /healthz answers 503 with its own body ({"database": "unavailable", ...}).
            if (
                status >= 500
                and kind != "/healthz"
                and (not isinstance(body, dict) or set(body) != {"code", "message", "fields"})
            ):
                self.bad_bodies.append({"status": status, "body": str(body)[:300]})

    def _run(self, interviewer: Interviewer, index: int) -> None:
        rng = random.Random(index)
        for assignment in interviewer.assignments:
            if self.stop.is_set():
                return
            body = scorecard_body(assignment, rng)
            key = str(uuid.uuid4())
            with self.lock:
                self.attempted.add(assignment.session_id)
            while True:
                started, phase = time.perf_counter(), self.phases.name
                try:
                    status, _, answer = request(
                        "POST",
                        self.port,
                        "/api/v1/scorecards/",
                        body=body,
                        token=interviewer.token,
                        headers={"Idempotency-Key": key},
                        timeout=30,
                    )
                except OSError:
                    status, answer = 0, None
                self.record("submit", status, answer, time.perf_counter() - started, phase)
                if status == 201:
                    with self.lock:
                        self.acknowledged[assignment.session_id] = answer["id"]
                    break
                if status in (0, 429, 503) and time.monotonic() < self.give_up_at:
                    time.sleep(0.25)
                    continue
                with self.lock:
                    self.unacknowledged.append(assignment.session_id)
                break

    def checks(self) -> dict[str, int]:
        """The database against what this traffic was acknowledged (see check_acknowledged)."""
        return check_acknowledged(attempted=self.attempted, acknowledged=self.acknowledged)

    def status_counts(self) -> dict[str, dict[str, int]]:
        """{phase: {"201": n, "503 service_unavailable": n, ...}} in phase order."""
        counts: dict[str, collections.Counter] = {}
        for event in self.events:
            label = str(event.status) if event.code is None else f"{event.status} {event.code}"
            if event.status == 0:
                label = "no_answer"
            counts.setdefault(event.phase, collections.Counter())[label] += 1
        return {phase: dict(sorted(c.items())) for phase, c in counts.items()}

    def first_success_after(self, moment: float, kind: str = "submit") -> float | None:
        times = [e.at for e in self.events if e.kind == kind and e.at >= moment and e.status < 400]
        return min(times) - moment if times else None

    def last_failure(self) -> float | None:
        times = [e.at for e in self.events if e.status == 0 or e.status >= 500]
        return max(times) if times else None


def check_acknowledged(*, attempted: Iterable[int], acknowledged: dict[int, int]) -> dict[str, int]:
    """Read the database: the scorecards of the sessions the clients wrote for, against the
    acknowledged ones (session id -> scorecard id of each 201). Call `Stack.django()` first."""
    from django.db import close_old_connections, connection
    from django.db.models import Count

    from scoring.scorecards.models import CriterionRating, Scorecard

    close_old_connections()
    connection.close()
    rows = list(
        Scorecard.objects.filter(session_id__in=set(attempted))
        .annotate(rating_count=Count("ratings"))
        .values_list("id", "session_id", "status", "rating_count")
    )
    ids = {row[0] for row in rows}
    acked = set(acknowledged.values())
    per_session = collections.Counter(row[1] for row in rows)
    return {
        "acknowledged_submissions": len(acknowledged),
        "distinct_acknowledged_ids": len(acked),
        "scorecards_in_db_for_attempted_sessions": len(rows),
        "acknowledged_missing_from_db": len(acked - ids),
        "in_db_without_acknowledgement": len(ids - acked),
        "sessions_with_two_or_more_scorecards": sum(1 for n in per_session.values() if n > 1),
        "not_submitted": sum(1 for row in rows if row[2] != "submitted"),
        "ratings_in_db": CriterionRating.objects.filter(scorecard_id__in=ids).count(),
        "scorecards_without_ratings": sum(1 for row in rows if row[3] == 0),
    }


def none_lost_or_doubled(checks: dict[str, int]) -> bool:
    """Every acknowledged scorecard is in the database once, submitted, with its ratings, and
    nothing is there that was not acknowledged."""
    return (
        checks["acknowledged_missing_from_db"] == 0
        and checks["in_db_without_acknowledgement"] == 0
        and checks["sessions_with_two_or_more_scorecards"] == 0
        and checks["distinct_acknowledged_ids"] == checks["scorecards_in_db_for_attempted_sessions"]
        and checks["scorecards_without_ratings"] == 0
        and checks["not_submitted"] == 0
    )
