"""Who may request and read calibration reports (API.md, Who may do what): hiring managers,
recruiters and admins; interviewers and users without a role get 403, strangers 401."""

import pytest

from scoring.reports.models import CalibrationReport
from tests.scoring.calibration_report_helpers import REPORTS_URL, report_url

pytestmark = pytest.mark.django_db

ALLOWED = ["hiring_manager", "recruiter", "admin_user"]
REFUSED = ["interviewer", "outsider"]


@pytest.fixture
def finished_report(request, db) -> CalibrationReport:
    """A succeeded report requested by the user playing the test's `role`, if any (a hiring
    manager reads only the reports they requested: tests/interviews/test_job_team_attacks.py)."""
    role = getattr(request.node, "callspec", None) and request.node.callspec.params.get("role")
    requester = request.getfixturevalue(role) if role in ALLOWED else None
    return CalibrationReport.objects.create(
        requested_by=requester,
        status="succeeded",
        progress=100,
        result={"summary": {}, "interviewers": [], "agreement": {}, "reliability": {}},
    )


def _reads(report_id: int) -> list[str]:
    return [
        REPORTS_URL,
        report_url(report_id),
        report_url(report_id, "export/?format=csv"),
        report_url(report_id, "chart.png"),
    ]


@pytest.mark.parametrize("role", ALLOWED)
def test_managers_recruiters_and_admins_request_and_read_reports(
    role, request, client_for, finished_report
):
    client = client_for(request.getfixturevalue(role))

    assert client.post(REPORTS_URL, {}, format="json").status_code == 202
    for url in _reads(finished_report.pk):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", REFUSED)
def test_interviewers_and_outsiders_may_not_request_or_read_reports(
    role, request, client_for, finished_report
):
    client = client_for(request.getfixturevalue(role))

    response = client.post(REPORTS_URL, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Your role does not allow this action.",
        "fields": {},
    }
    for url in _reads(finished_report.pk):
        assert client.get(url).status_code == 403, url
    assert CalibrationReport.objects.count() == 1


def test_strangers_must_sign_in(anonymous_client, finished_report):
    assert anonymous_client.post(REPORTS_URL, {}, format="json").status_code == 401
    for url in _reads(finished_report.pk):
        assert anonymous_client.get(url).status_code == 401, url
