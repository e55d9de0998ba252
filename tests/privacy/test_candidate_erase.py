"""Erasure: pseudonymise a candidate and erase every free text about them; numbers stay."""

import pytest

from core.models import AuditEvent, IdempotencyRecord
from interviews.models import Candidate, Loop
from privacy.services import ERASED
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision
from tests.privacy.privacy_helpers import (
    EMAIL,
    NAME,
    places_holding,
)
from tests.scoring.calibration_report_helpers import (
    request_report,
    run_report_inline,
    succeeded_report,
    synthetic_hiring_data,
)

pytestmark = pytest.mark.django_db


def erase_url(candidate_id: int) -> str:
    return f"/api/v1/candidates/{candidate_id}/erase/"


def _numbers(candidate_id: int) -> dict:
    """Everything the statistics read about the candidate."""
    cards = Scorecard.objects.filter(loop__candidate_id=candidate_id).order_by("id")
    return {
        "cards": list(
            cards.values_list(
                "id", "status", "overall_recommendation", "first_recommendation", "revision"
            )
        ),
        "ratings": list(
            CriterionRating.objects.filter(scorecard__in=cards)
            .order_by("id")
            .values_list("id", "rating", "first_rating", "in_first_submission", "withdrawn")
        ),
        "loops": list(
            Loop.objects.filter(candidate_id=candidate_id)
            .order_by("id")
            .values_list("id", "status", "decision", "decided_at")
        ),
    }


def test_no_table_holds_the_erased_values_and_the_calibration_report_is_unchanged(
    history, client_for, admin_user, recruiter
):
    synthetic_hiring_data(candidates=8, interviewers=8, seed=5)
    assert {secret for _, _, secret in places_holding(history.secrets)} == set(history.secrets)
    before = succeeded_report(client_for(recruiter))
    numbers_before = _numbers(history.candidate.pk)

    response = client_for(admin_user).post(
        erase_url(history.candidate.pk), {"reason": "The candidate asked (ticket 4711)."}
    )

    assert response.status_code == 200, response.json()
    candidate = Candidate.objects.get(pk=history.candidate.pk)
    assert response.json() == {
        "id": candidate.pk,
        "erased_at": candidate.erased_at.isoformat().replace("+00:00", "Z"),
    }
    assert places_holding(history.secrets) == []
    assert (candidate.name, candidate.email, candidate.external_id) == (
        f"Erased candidate {candidate.pk}",
        "",
        "",
    )
    assert _numbers(candidate.pk) == numbers_before
    after = succeeded_report(client_for(recruiter))
    assert after.result == before.result


def test_every_free_text_reads_erased(history, client_for, admin_user):
    client_for(admin_user).post(erase_url(history.candidate.pk), {"reason": "Asked."})

    cards = Scorecard.objects.filter(loop__candidate=history.candidate)
    assert set(cards.values_list("summary", flat=True)) == {ERASED}
    notes = CriterionRating.objects.filter(scorecard__in=cards).values_list("note", flat=True)
    assert set(notes) == {ERASED}
    (revision,) = ScorecardRevision.objects.filter(scorecard__in=cards)
    assert revision.reason == ERASED
    assert revision.previous["summary"] == ERASED
    assert {r["note"] for r in revision.previous["ratings"]} == {ERASED}
    # The numbers of the revision stay: what the interviewer first said.
    assert {r["rating"] for r in revision.previous["ratings"]} - {ERASED}
    decided = Loop.objects.get(pk=history.loops[0].pk)
    assert (decided.decision, decided.decision_note) == ("hire", ERASED)


def test_the_candidate_reads_as_a_pseudonym(history, client_for, admin_user, recruiter):
    client_for(admin_user).post(erase_url(history.candidate.pk), {"reason": "Asked."})

    body = client_for(recruiter).get(f"/api/v1/candidates/{history.candidate.pk}/").json()

    candidate = Candidate.objects.get(pk=history.candidate.pk)
    assert body == {
        "id": candidate.pk,
        "name": f"Erased candidate {candidate.pk}",
        "email": "",
        "external_id": "",
        "created_at": candidate.created_at.isoformat().replace("+00:00", "Z"),
        "erased_at": candidate.erased_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_replayed_create_returns_the_pseudonym_and_creates_nothing(
    history, client_for, admin_user, recruiter
):
    client_for(admin_user).post(erase_url(history.candidate.pk), {"reason": "Asked."})

    replay = client_for(recruiter).post(
        "/api/v1/candidates/",
        {"name": NAME, "email": EMAIL, "external_id": "ATS-ZQ-9913"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-zebulon",
    )

    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == history.candidate.pk
    assert replay.json()["name"] == f"Erased candidate {history.candidate.pk}"
    assert replay.json()["email"] == ""
    assert Candidate.objects.count() == 1
    # The scorecards' stored responses were rewritten too (none was deleted).
    assert IdempotencyRecord.objects.count() == 5


def test_erasure_is_audited_without_the_erased_values(history, client_for, admin_user):
    client_for(admin_user).post(
        erase_url(history.candidate.pk), {"reason": f"{NAME} asked by e-mail."}
    )

    event = AuditEvent.objects.get(action="candidate.erased")
    assert event.actor == admin_user
    assert event.target_id == str(history.candidate.pk)
    assert event.changes == {"reason": ERASED, "loops": 2, "scorecards": 4}
    # The amendment's entry stays, its reason erased.
    amended = AuditEvent.objects.get(action="scorecard.amended")
    assert amended.changes["reason"] == ERASED
    assert amended.changes["revision"] == [1, 2]


def test_a_second_erase_returns_the_same_erased_at(history, client_for, admin_user):
    client = client_for(admin_user)
    first = client.post(erase_url(history.candidate.pk), {"reason": "Asked."})
    second = client.post(erase_url(history.candidate.pk), {"reason": "Asked again."})

    assert second.status_code == 200
    assert second.json() == first.json()
    assert AuditEvent.objects.filter(action="candidate.erased").count() == 1


def test_only_admins_erase(history, client_for, recruiter, hiring_manager, interviewer):
    for user in (recruiter, hiring_manager, interviewer):
        response = client_for(user).post(erase_url(history.candidate.pk), {"reason": "x"})
        assert response.status_code == 403, user
    assert Candidate.objects.get(pk=history.candidate.pk).erased_at is None


def test_erase_of_an_unknown_candidate_is_404(client_for, admin_user):
    response = client_for(admin_user).post(erase_url(999999), {"reason": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": 5}])
def test_erase_needs_a_reason(history, client_for, admin_user, body):
    response = client_for(admin_user).post(erase_url(history.candidate.pk), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert Candidate.objects.get(pk=history.candidate.pk).erased_at is None


def test_a_report_requested_before_and_run_after_an_erasure_has_the_same_figures(
    history, client_for, admin_user, recruiter
):
    synthetic_hiring_data(candidates=8, interviewers=8, seed=6)
    before = succeeded_report(client_for(recruiter))
    queued = request_report(client_for(recruiter), {})
    assert queued.status_code == 202

    client_for(admin_user).post(erase_url(history.candidate.pk), {"reason": "Asked."})

    after = run_report_inline(queued.json()["id"])
    assert after.status == "succeeded", after.error
    assert after.result == before.result


def test_an_erasure_while_the_report_runs_changes_none_of_its_figures(
    history, client_for, admin_user, recruiter, monkeypatch
):
    """The report is `running` (inputs loaded, statistics under way) when the erasure commits."""
    from scoring.calibration import report as statistics
    from scoring.reports.models import CalibrationReport

    synthetic_hiring_data(candidates=8, interviewers=8, seed=6)
    before = succeeded_report(client_for(recruiter))
    queued = request_report(client_for(recruiter), {})
    real = statistics.build_report
    seen = []

    def erase_midway(inputs, progress=None):
        def on_progress(percent):
            progress(percent)
            if not seen:
                seen.append(CalibrationReport.objects.get(pk=queued.json()["id"]).status)
                response = client_for(admin_user).post(
                    erase_url(history.candidate.pk), {"reason": "Asked."}
                )
                assert response.status_code == 200

        return real(inputs, progress=on_progress)

    monkeypatch.setattr(statistics, "build_report", erase_midway)
    after = run_report_inline(queued.json()["id"])

    assert seen == ["running"]
    assert Candidate.objects.get(pk=history.candidate.pk).erased_at is not None
    assert after.status == "succeeded", after.error
    assert after.result == before.result
