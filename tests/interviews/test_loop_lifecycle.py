"""schedule, cancel and decision: the loop's status moves only where it may."""

import pytest
from django.contrib.auth.models import User

from interviews.models import Loop
from tests.factories import ScorecardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(generate):
    return generate().json()


def test_schedule_without_times(loop, client_for, hiring_manager):
    response = client_for(hiring_manager).post(f"/api/v1/loops/{loop['id']}/schedule/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "scheduled"
    assert [s["scheduled_at"] for s in body["sessions"]] == [None] * 4


def test_schedule_with_session_times(loop, client_for, hiring_manager):
    first, second = loop["sessions"][0]["id"], loop["sessions"][1]["id"]
    response = client_for(hiring_manager).post(
        f"/api/v1/loops/{loop['id']}/schedule/",
        {
            "sessions": [
                {"id": first, "scheduled_at": "2030-01-02T09:00:00+01:00"},
                {"id": second, "scheduled_at": "2030-01-02T10:00:00Z"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    times = [s["scheduled_at"] for s in response.json()["sessions"]]
    assert times == ["2030-01-02T08:00:00Z", "2030-01-02T10:00:00Z", None, None]


def test_schedule_refuses_foreign_sessions_and_bad_times(
    loop, generate, client_for, hiring_manager
):
    client = client_for(hiring_manager)
    url = f"/api/v1/loops/{loop['id']}/schedule/"
    foreign = client.post(
        url, {"sessions": [{"id": 999999, "scheduled_at": "2030-01-02T10:00:00Z"}]}, format="json"
    )
    assert foreign.status_code == 400
    assert foreign.json()["fields"] == {"sessions": ["Session 999999 is not in this loop."]}
    bad = client.post(
        url,
        {"sessions": [{"id": loop["sessions"][0]["id"], "scheduled_at": "soon"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "sessions.0.scheduled_at" in bad.json()["fields"]
    assert Loop.objects.get(pk=loop["id"]).status == "draft"


def test_schedule_only_from_draft(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(f"/api/v1/loops/{loop['id']}/schedule/")
    again = client.post(f"/api/v1/loops/{loop['id']}/schedule/")
    assert again.status_code == 409
    assert again.json() == {
        "code": "loop_state_conflict",
        "message": "The loop is scheduled; it can be scheduled only when draft.",
        "fields": {"status": ["Loop is scheduled."]},
    }


def test_cancel_a_scheduled_loop_then_not_again(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(f"/api/v1/loops/{loop['id']}/schedule/")
    cancelled = client.post(f"/api/v1/loops/{loop['id']}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/loops/{loop['id']}/cancel/").status_code == 409


@pytest.mark.parametrize("action", ["schedule", "cancel", "decision"])
@pytest.mark.parametrize("role", ["interviewer_of_the_loop", "recruiter"])
def test_only_hiring_managers_change_loops(request, role, action, loop, client_for):
    """Users who see the loop but are not its planners: 403 (job teams: 404 for the others)."""
    if role == "interviewer_of_the_loop":
        user = User.objects.get(pk=loop["sessions"][0]["interviewers"][0])
    else:
        user = request.getfixturevalue(role)
    response = client_for(user).post(
        f"/api/v1/loops/{loop['id']}/{action}/", {"decision": "hire"}, format="json"
    )
    assert response.status_code == 403


def test_decision_before_every_scorecard_is_in_is_refused(loop, client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(f"/api/v1/loops/{loop['id']}/schedule/")
    session = loop["sessions"][0]
    ScorecardFactory(
        session_id=session["id"],
        loop_id=loop["id"],
        interviewer_id=session["interviewers"][0],
        status="submitted",
        overall_recommendation="yes",
        submitted_at="2030-01-01T00:00:00Z",
    )
    response = client.post(
        f"/api/v1/loops/{loop['id']}/decision/",
        {"decision": "hire", "note": "Strong"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "scorecards_missing",
        "message": (
            "The loop is scheduled: a decision needs every scorecard submitted, and 3 of 4 are "
            "missing."
        ),
        "fields": {"decision": ["1 of 4 scorecards submitted."]},
    }


def test_decision_on_a_completed_loop(loop, client_for, hiring_manager, admin_user):
    Loop.objects.filter(pk=loop["id"]).update(status=Loop.Status.COMPLETED)
    response = client_for(hiring_manager).post(
        f"/api/v1/loops/{loop['id']}/decision/",
        {"decision": "no_hire", "note": "Not yet"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["decision"], body["decision_note"], body["decided_by"]) == (
        "no_hire",
        "Not yet",
        hiring_manager.pk,
    )
    assert body["decided_at"] is not None
    again = client_for(admin_user).post(
        f"/api/v1/loops/{loop['id']}/decision/", {"decision": "hire"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


def test_decision_must_be_hire_or_no_hire(loop, client_for, hiring_manager):
    response = client_for(hiring_manager).post(
        f"/api/v1/loops/{loop['id']}/decision/", {"decision": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["decision"]


def test_actions_on_a_missing_loop_are_404(client_for, hiring_manager):
    assert client_for(hiring_manager).post("/api/v1/loops/999999/cancel/").status_code == 404
