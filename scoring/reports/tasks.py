"""Celery tasks of the scoring app. Thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from scoring.reports.services import calibration_report_run, calibration_reports_requeue_stale


@shared_task(name="scoring.tasks.calibration_report_run_task")
def calibration_report_run_task(report_id: int) -> None:
    """Compute one calibration report (safe to run twice: the service claims the row)."""
    calibration_report_run(report_id=report_id)


@shared_task(name="scoring.tasks.calibration_reports_requeue_stale_task")
def calibration_reports_requeue_stale_task() -> dict[str, list[int]]:
    """Beat: re-send reports that were never sent or whose worker died; fail exhausted ones."""
    return calibration_reports_requeue_stale()
