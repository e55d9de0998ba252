"""Builders shared by the calibration report tests (not collected: no test_ prefix)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from scoring.reports.models import CalibrationReport
from scoring.reports.tasks import calibration_report_run_task

REPORTS_URL = "/api/v1/calibration-reports/"


def report_url(report_id: int, suffix: str = "") -> str:
    return f"{REPORTS_URL}{report_id}/{suffix}"


def synthetic_hiring_data(
    *, candidates: int = 30, interviewers: int = 10, seed: int = 3, path: str = ""
) -> None:
    """Loops, sessions, submitted scorecards and decisions on the real bank (loaded if empty)."""
    call_command(
        "generate_synthetic_data",
        candidates=candidates,
        interviewers=interviewers,
        seed=seed,
        planted_json=path,
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - closed with the process
    )


def request_report(client, filters: dict[str, Any] | None = None, **headers: str):
    body = {} if filters is None else {"filters": filters}
    return client.post(REPORTS_URL, body, format="json", **headers)


def run_report_inline(report_id: int) -> CalibrationReport:
    """Run the task body in this process, as a worker would, and return the stored report."""
    calibration_report_run_task(report_id)
    return CalibrationReport.objects.get(id=report_id)


def succeeded_report(client, filters: dict[str, Any] | None = None) -> CalibrationReport:
    response = request_report(client, filters)
    assert response.status_code == 202, response.json()
    report = run_report_inline(response.json()["id"])
    assert report.status == "succeeded", report.error
    return report
