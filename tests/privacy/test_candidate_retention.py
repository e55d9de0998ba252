"""Retention: candidates without loop activity for CANDIDATE_RETENTION_DAYS are erased by a
daily beat job; idempotent responses expire after IDEMPOTENCY_TTL_HOURS.

The job runs on a real Celery worker (`start_worker`, in a thread of this process, on the Redis
broker of CELERY_BROKER_URL) as in tests/scoring/test_calibration_report_worker.py; the tests
commit for real (transaction=True) so the worker's connection sees the rows.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection, connections
from django.utils import timezone

from config.celery import app
from core.models import AuditEvent, IdempotencyRecord
from core.services import idempotency_records_expire
from interviews.models import Candidate, Loop
from privacy.services import candidates_erase_expired
from privacy.tasks import candidates_erase_expired_task
from scoring.scorecards.models import Scorecard
from tests.factories import CandidateFactory, LoopFactory, rated_session, scorecard_in

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/3"


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


class FinishedTasks:
    """The names of the tasks the worker has finished, and a way to wait for the n-th."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._done = threading.Condition()

    def record(self, sender=None, **kwargs) -> None:
        connection.close()  # the worker thread's connection would block the database teardown
        with self._done:
            self.names.append(sender.name)
            self._done.notify_all()

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        with self._done:
            assert self._done.wait_for(lambda: len(self.names) >= count, timeout), self.names


@pytest.fixture
def worker() -> Iterator[FinishedTasks]:
    """A real worker on the Redis broker of CELERY_BROKER_URL."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()  # messages left by earlier runs
    finished = FinishedTasks()
    task_postrun.connect(finished.record, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield finished
    finally:
        task_postrun.disconnect(finished.record)
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


def _candidate_with_loop(*, created: float, loop_created: float, loop_updated: float, **times):
    """A candidate created `created` days ago with one loop; `decided`/`submitted` in days ago."""
    candidate = CandidateFactory(created_at=_ago(created))
    loop = LoopFactory(
        candidate=candidate, created_at=_ago(loop_created), updated_at=_ago(loop_updated)
    )
    if "decided" in times:
        Loop.objects.filter(pk=loop.pk).update(decision="hire", decided_at=_ago(times["decided"]))
    return candidate, loop


@pytest.fixture
def population(interviewer):
    """Who is past 30 days without activity (expired) and who is not (kept)."""
    expired = {
        "old, no loop": CandidateFactory(created_at=_ago(40)),
        "old loop": _candidate_with_loop(created=100, loop_created=90, loop_updated=50)[0],
    }
    old_card, old_card_loop = _candidate_with_loop(created=100, loop_created=90, loop_updated=60)
    plan = rated_session(interviewers=[interviewer], loop=old_card_loop)
    card = scorecard_in(plan, interviewer=interviewer, submitted=True)
    Scorecard.objects.filter(pk=card.pk).update(summary="Old words", submitted_at=_ago(60))
    expired["old scorecard"] = old_card

    kept = {
        "new, no loop": CandidateFactory(created_at=_ago(2)),
        "loop updated lately": _candidate_with_loop(created=100, loop_created=100, loop_updated=5)[
            0
        ],
        "decided lately": _candidate_with_loop(
            created=100, loop_created=100, loop_updated=100, decided=3
        )[0],
    }
    recent_card, recent_loop = _candidate_with_loop(created=100, loop_created=100, loop_updated=100)
    plan = rated_session(interviewers=[interviewer], loop=recent_loop)
    card = scorecard_in(plan, interviewer=interviewer, submitted=True)
    Scorecard.objects.filter(pk=card.pk).update(submitted_at=_ago(1))
    kept["scorecard submitted lately"] = recent_card
    return expired, kept


def _erased_ids() -> set[int]:
    return set(Candidate.objects.filter(erased_at__isnull=False).values_list("id", flat=True))


def test_the_worker_erases_only_candidates_inactive_longer_than_the_setting(
    worker, population, settings
):
    settings.CANDIDATE_RETENTION_DAYS = 30
    expired, kept = population

    candidates_erase_expired_task.delay()
    worker.wait_for(1)

    assert _erased_ids() == {c.pk for c in expired.values()}
    old_card = Scorecard.objects.get(loop__candidate=expired["old scorecard"])
    assert old_card.summary == "[erased]"
    entries = AuditEvent.objects.filter(action="candidate.erased")
    assert {e.actor_id for e in entries} == {None}
    assert all("CANDIDATE_RETENTION_DAYS" in e.changes["reason"] for e in entries)

    # A second run (the next day's, or a retried task) changes nothing.
    candidates_erase_expired_task.delay()
    worker.wait_for(2)
    assert entries.count() == len(expired)


def test_without_the_setting_nothing_is_erased(worker, population, settings):
    settings.CANDIDATE_RETENTION_DAYS = None

    candidates_erase_expired_task.delay()
    worker.wait_for(1)

    assert _erased_ids() == set()


def test_two_runs_at_once_erase_each_candidate_once(population, settings):
    settings.CANDIDATE_RETENTION_DAYS = 30
    expired, _kept = population
    results: list[list[int]] = []

    def run() -> None:
        try:
            results.append(candidates_erase_expired())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    first, second = results
    assert set(first) | set(second) == {c.pk for c in expired.values()}
    assert not set(first) & set(second)
    assert AuditEvent.objects.filter(action="candidate.erased").count() == len(expired)


def test_a_candidate_locked_by_another_run_is_skipped_not_waited_for(population, settings):
    settings.CANDIDATE_RETENTION_DAYS = 30
    expired, _kept = population
    busy = expired["old loop"]
    s = connection.settings_dict
    dsn = (
        f"dbname={s['NAME']} user={s['USER']} password={s['PASSWORD']} "
        f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432}"
    )

    with psycopg.connect(dsn) as other_run:
        other_run.execute("SELECT id FROM interviews_candidate WHERE id = %s FOR UPDATE", [busy.pk])
        erased = candidates_erase_expired()
        other_run.rollback()

    assert set(erased) == {c.pk for c in expired.values()} - {busy.pk}
    assert candidates_erase_expired() == [busy.pk]


def test_idempotency_records_expire_after_the_ttl(interviewer, settings):
    settings.IDEMPOTENCY_TTL_HOURS = 24
    IdempotencyRecord.objects.create(
        user=interviewer,
        key="old",
        method="POST",
        path="/x",
        request_fingerprint="f",
        status_code=201,
        response_body={"name": "A"},
        created_at=timezone.now() - dt.timedelta(hours=25),
    )
    fresh = IdempotencyRecord.objects.create(
        user=interviewer,
        key="new",
        method="POST",
        path="/x",
        request_fingerprint="f",
        status_code=201,
        response_body={"name": "B"},
        created_at=timezone.now() - dt.timedelta(hours=23),
    )

    assert idempotency_records_expire() == 1
    assert list(IdempotencyRecord.objects.all()) == [fresh]
