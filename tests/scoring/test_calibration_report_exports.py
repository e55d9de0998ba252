"""GET /{id}/export/?format=csv (one row per interviewer) and /{id}/chart.png."""

import csv
import io
import struct

import pytest

from scoring.reports.exports import CSV_COLUMNS
from scoring.reports.models import CalibrationReport
from tests.scoring.calibration_report_helpers import (
    report_url,
    succeeded_report,
    synthetic_hiring_data,
)

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report(recruiter, client_for) -> CalibrationReport:
    synthetic_hiring_data(candidates=30, interviewers=10, seed=5)
    return succeeded_report(client_for(recruiter))


def test_csv_has_one_row_per_interviewer_matching_the_result(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"calibration-report-{report.pk}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    interviewers = report.result["interviewers"]
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [int(row["interviewer_id"]) for row in rows] == [i["id"] for i in interviewers]
    for row, source in zip(rows, interviewers, strict=True):
        assert row["username"] == source["username"]
        assert int(row["ratings"]) == source["ratings"]
        assert int(row["scorecards"]) == source["scorecards"]
        assert float(row["severity"]) == pytest.approx(source["severity"], abs=1e-4)
        assert float(row["severity_se"]) == pytest.approx(source["severity_se"], abs=1e-4)
        counts = source["recommendation_counts"]
        assert [int(row[k]) for k in ("strong_no", "no", "yes", "strong_yes")] == [
            counts["strong_no"],
            counts["no"],
            counts["yes"],
            counts["strong_yes"],
        ]
        assert row["flags"] == ";".join(source["flags"])


def test_csv_is_the_default_format(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "export/"))

    assert response.status_code == 200
    assert response.content.decode().startswith("interviewer_id,username,")


def test_unknown_export_format_is_a_400_saying_which_to_use(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "xlsx"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "unknown_export_format",
        "message": "Unknown export format 'xlsx'; use format=csv (the chart is at chart.png).",
        "fields": {"format": ["Use one of: csv."]},
    }


def test_chart_is_a_png_of_reasonable_size(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "chart.png"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", response.content[16:24])  # the IHDR chunk
    assert width == 1000
    assert 300 <= height <= 3000
    assert 10_000 < len(response.content) < 2_000_000


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
@pytest.mark.parametrize("suffix", ["export/?format=csv", "chart.png"])
def test_exports_are_a_409_until_the_report_succeeded(status, suffix, recruiter, client_for):
    report = CalibrationReport.objects.create(status=status, error="boom" * (status == "failed"))

    response = client_for(recruiter).get(report_url(report.pk, suffix))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "report_not_ready"
    assert body["message"].startswith(f"Report {report.pk} is {status}; exports exist once")


def test_csv_header_names_every_column_in_order(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})

    header = response.content.decode().split("\r\n", 1)[0]
    assert header == (
        "interviewer_id,username,scorecards,ratings,mean_rating,sd_rating,severity,severity_se,"
        "strong_no,no,yes,strong_yes,decided_loops,decision_agreement,flags,"
        "amended_after_peer_view,drifting,drift_periods,largest_move,largest_move_se,"
        "largest_move_period"
    )


def test_csv_drift_columns_match_the_reports_drift(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})
    rows = {int(r["interviewer_id"]): r for r in csv.DictReader(io.StringIO(response.text))}
    drift = report.result["drift"]

    assert drift, "the synthetic data has interviewers the drift fit places"
    for source in drift:
        row = rows[source["id"]]
        assert row["drifting"] == ("yes" if source["drifting"] else "no")
        assert int(row["drift_periods"]) == len(source["periods"])
        largest = max(source["periods"], key=lambda p: abs(p["move"]))
        assert float(row["largest_move"]) == pytest.approx(largest["move"], abs=1e-4)
        assert float(row["largest_move_se"]) == pytest.approx(largest["move_se"], abs=1e-4)
        assert row["largest_move_period"] == largest["period"]
    placed = {source["id"] for source in drift}
    for interviewer_id, row in rows.items():
        if interviewer_id not in placed:
            assert row["drifting"] == row["drift_periods"] == row["largest_move"] == ""
