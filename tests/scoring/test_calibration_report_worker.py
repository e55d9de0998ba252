"""A real Celery worker on the Redis broker runs calibration reports.

The worker is `celery.contrib.testing.worker.start_worker` with the project's app, in a thread of
this process, consuming from Redis (CELERY_BROKER_URL, default redis://127.0.0.1:6379/5). The
tests commit for real (transaction=True) so the worker's own database connection sees the rows.
"""

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from django.utils import timezone

from config.celery import app
from scoring.reports.models import CalibrationReport
from scoring.reports.tasks import calibration_reports_requeue_stale_task
from tests.scoring.calibration_report_helpers import request_report, synthetic_hiring_data

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/5"
CLOSED_PORT_BROKER_URL = "redis://127.0.0.1:6399/0"


def _use_broker(url: str) -> None:
    """Point the app at `url`: forget the app's pools (kombu keeps one per broker URL)."""
    app.conf.update(broker_url=url, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_conf() -> Iterator[None]:
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    yield
    app.conf.update(saved)
    _use_broker(saved["broker_url"])
    app.conf.update(saved)


def _close_worker_connection(**kwargs) -> None:
    # The worker thread's database connection would outlive the test and block the test
    # database's teardown.
    connection.close()


@pytest.fixture
def worker(broker_conf) -> Iterator[None]:
    _use_broker(BROKER_URL)
    app.control.purge()  # messages left by earlier runs would name reports that do not exist
    task_postrun.connect(_close_worker_connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connection)


def _wait_until_finished(report_id: int, timeout: float = 60.0) -> CalibrationReport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = CalibrationReport.objects.get(pk=report_id)
        if report.status in ("succeeded", "failed"):
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} still {report.status} after {timeout} s")


def test_worker_takes_a_requested_report_from_queued_to_succeeded(worker, recruiter, client_for):
    synthetic_hiring_data(candidates=20, interviewers=8, seed=21)

    response = request_report(client_for(recruiter), {})

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    report = _wait_until_finished(response.json()["id"])
    assert report.status == "succeeded", report.error
    assert (report.progress, report.attempts) == (100, 1)
    assert report.result["summary"]["candidates"] == 20


def test_a_task_that_raises_ends_failed_with_its_message(
    worker, recruiter, client_for, monkeypatch
):
    synthetic_hiring_data(candidates=10, interviewers=8, seed=22)

    def broken(inputs, progress=None):
        raise RuntimeError("scipy ran out of patience")

    monkeypatch.setattr("scoring.calibration.report.build_report", broken)

    response = request_report(client_for(recruiter), {})

    report = _wait_until_finished(response.json()["id"])
    assert report.status == "failed"
    assert report.error.startswith(
        "The report could not be computed (RuntimeError: scipy ran out of patience)."
    )


def test_report_left_running_by_a_dead_worker_is_requeued_by_beat_and_finishes(worker, settings):
    synthetic_hiring_data(candidates=10, interviewers=8, seed=23)
    stale = timezone.now() - dt.timedelta(seconds=settings.CALIBRATION_STALE_AFTER_SECONDS + 30)
    report = CalibrationReport.objects.create(
        status="running", progress=30, attempts=1, started_at=stale, heartbeat_at=stale
    )

    calibration_reports_requeue_stale_task.delay()

    report = _wait_until_finished(report.pk)
    assert report.status == "succeeded", report.error
    assert report.attempts == 2


def test_request_with_redis_unreachable_still_answers_202_and_stays_queued(
    broker_conf, recruiter, client_for
):
    _use_broker(CLOSED_PORT_BROKER_URL)

    started = time.monotonic()
    response = request_report(client_for(recruiter), {})
    elapsed = time.monotonic() - started

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    report = CalibrationReport.objects.get(pk=response.json()["id"])
    assert (report.status, report.attempts, report.started_at) == ("queued", 0, None)
    assert elapsed < 15
