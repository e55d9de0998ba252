"""GET /api/v1/calibration-reports/ (paginated, newest first) and /{id}/."""

import pytest
from django.utils import timezone

from scoring.reports.models import CalibrationReport
from tests.scoring.calibration_report_helpers import REPORTS_URL, report_url

pytestmark = pytest.mark.django_db


def test_list_is_paginated_newest_first_without_results(
    recruiter, client_for, django_assert_max_num_queries
):
    reports = [
        CalibrationReport.objects.create(requested_by=recruiter, filters={"job": n})
        for n in range(1, 8)
    ]
    client = client_for(recruiter)
    client.get(REPORTS_URL)  # warm the role cache of the token user

    with django_assert_max_num_queries(5):
        page_one = client.get(REPORTS_URL, {"page_size": 3})
    with django_assert_max_num_queries(5):
        everything = client.get(REPORTS_URL, {"page_size": 200})

    assert page_one.status_code == 200
    body = page_one.json()
    assert body["count"] == 7
    assert [row["id"] for row in body["results"]] == [r.pk for r in reversed(reports)][:3]
    assert "result" not in body["results"][0]
    assert body["results"][0]["filters"] == {"job": 7}
    assert len(everything.json()["results"]) == 7


def test_detail_shows_status_progress_timing_filters_and_result(recruiter, client_for):
    started = timezone.now()
    report = CalibrationReport.objects.create(
        requested_by=recruiter,
        filters={"levels": ["advanced"]},
        status="succeeded",
        progress=100,
        attempts=1,
        started_at=started,
        finished_at=started,
        result={"summary": {"ratings": 3}},
    )

    response = client_for(recruiter).get(report_url(report.pk))

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": report.pk,
        "status": "succeeded",
        "progress": 100,
        "error": "",
        "attempts": 1,
        "requested_by": recruiter.pk,
        "created_at": body["created_at"],
        "started_at": body["started_at"],
        "finished_at": body["finished_at"],
        "filters": {"levels": ["advanced"]},
        "result": {"summary": {"ratings": 3}},
    }
    assert body["started_at"] is not None and body["finished_at"] is not None


def test_unknown_report_is_a_404_in_the_error_shape(recruiter, client_for):
    response = client_for(recruiter).get(report_url(987_654))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
