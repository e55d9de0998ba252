"""Each event of the contract is queued at its source, in the transaction of the change, with
the resource as an admin reads it; erasing a candidate scrubs the payloads about them."""

import pytest

from interviews.models import Loop
from tests.factories import CandidateFactory, LoopFactory, rated_session
from tests.scoring.calibration_report_helpers import request_report, run_report_inline
from webhooks.events import EVENTS
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import webhook_events_fan_out

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(autouse=True)
def subscription(db) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        url="https://93.184.215.14/hooks", events=list(EVENTS), secret=SECRET
    )


def _only(event: str) -> dict:
    webhook_events_fan_out()  # the worker's part: the waiting events become deliveries
    (delivery,) = WebhookDelivery.objects.filter(event=event)
    assert delivery.payload["type"] == event
    return delivery.payload["data"]


def test_loop_scheduled_cancelled_and_decided(admin_user, client_for):
    client = client_for(admin_user)
    draft = LoopFactory(status=Loop.Status.DRAFT)
    other = LoopFactory(status=Loop.Status.DRAFT)
    completed = LoopFactory(status=Loop.Status.COMPLETED)

    scheduled = client.post(f"/api/v1/loops/{draft.pk}/schedule/")
    cancelled = client.post(f"/api/v1/loops/{other.pk}/cancel/")
    decided = client.post(
        f"/api/v1/loops/{completed.pk}/decision/",
        {"decision": "hire", "note": "Strong system design."},
        format="json",
    )
    again = client.post(
        f"/api/v1/loops/{completed.pk}/decision/", {"decision": "no_hire"}, format="json"
    )

    assert [r.status_code for r in (scheduled, cancelled, decided, again)] == [200, 200, 200, 409]
    data = _only("loop.scheduled")
    assert data["loop"] == scheduled.json()
    assert (data["loop_id"], data["candidate_id"]) == (draft.pk, draft.candidate_id)
    assert data["job_id"] == draft.template.job_id
    assert _only("loop.cancelled")["loop"]["status"] == "cancelled"
    # The refused second decision queued nothing (its transaction rolled back).
    decided_data = _only("loop.decided")
    assert decided_data["loop"]["decision"] == "hire"
    assert decided_data["loop"]["decision_note"] == "Strong system design."


def test_scorecard_submitted_and_amended(interviewer, client_for, admin_user):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)

    created = client.post("/api/v1/scorecards/", plan.body(), format="json")
    amended = client.post(
        f"/api/v1/scorecards/{created.json()['id']}/amend/",
        {"reason": "Misread my notes", "overall_recommendation": "strong_yes"},
        format="json",
    )

    assert (created.status_code, amended.status_code) == (201, 200)
    submitted = _only("scorecard.submitted")
    assert submitted["scorecard"] == created.json()
    assert submitted["loop_id"] == plan.loop.pk
    read_by_admin = client_for(admin_user).get(f"/api/v1/scorecards/{created.json()['id']}/")
    assert _only("scorecard.amended")["scorecard"] == read_by_admin.json()


def test_a_draft_is_not_an_event_until_submitted(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)

    draft = client.post("/api/v1/scorecards/", plan.body(submit=False), format="json")
    assert not WebhookEvent.objects.exists()
    client.post(f"/api/v1/scorecards/{draft.json()['id']}/submit/")

    assert _only("scorecard.submitted")["scorecard_id"] == draft.json()["id"]


def test_calibration_report_failed_and_succeeded(recruiter, client_for, seed_bank):
    from tests.scoring.calibration_report_helpers import synthetic_hiring_data

    client = client_for(recruiter)
    empty = run_report_inline(
        request_report(client, {"since": "2001-01-01", "until": "2001-01-02"}).json()["id"]
    )
    synthetic_hiring_data(candidates=8, interviewers=8, seed=5)
    done = run_report_inline(request_report(client, {}).json()["id"])

    assert (empty.status, done.status) == ("failed", "succeeded")
    failed = _only("calibration_report.failed")
    assert (failed["report_id"], failed["report"]["error"]) == (empty.pk, empty.error)
    succeeded = _only("calibration_report.succeeded")
    assert succeeded["report"]["status"] == "succeeded" and "result" not in succeeded["report"]


def test_erasing_a_candidate_scrubs_their_payloads_and_sends_candidate_erased(
    interviewer, client_for, admin_user
):
    candidate = CandidateFactory(name="Quincy Marlowe-Test")
    plan = rated_session(interviewers=[interviewer], loop=LoopFactory(candidate=candidate))
    summary = "Quincy explained sharding beautifully"
    client = client_for(interviewer)
    card = client.post("/api/v1/scorecards/", plan.body(summary=summary), format="json").json()
    webhook_events_fan_out()
    assert summary in str(WebhookDelivery.objects.get().payload)
    # A second event still waits in the outbox (not fanned out yet) when the erasure comes.
    amended = "Quincy also explained consistent hashing"
    client.post(
        f"/api/v1/scorecards/{card['id']}/amend/",
        {"reason": "typo", "summary": amended},
        format="json",
    )
    assert amended in str(WebhookEvent.objects.get().payload)

    response = client_for(admin_user).post(
        f"/api/v1/candidates/{candidate.pk}/erase/", {"reason": "asked"}, format="json"
    )

    assert response.status_code == 200
    assert summary not in str(WebhookDelivery.objects.get(event="scorecard.submitted").payload)
    assert "[erased]" in str(WebhookDelivery.objects.get(event="scorecard.submitted").payload)
    assert amended not in str(WebhookEvent.objects.get(event="scorecard.amended").payload)
    assert amended not in str(_only("scorecard.amended"))
    erased = _only("candidate.erased")
    assert erased == {
        "candidate_id": candidate.pk,
        "candidate": {"id": candidate.pk, "erased_at": erased["candidate"]["erased_at"]},
    }
