"""Once erased, nothing more is written about a candidate: every write that could carry text
about them is a 409 naming them (code candidate_erased)."""

import pytest

from interviews.models import SessionTrainee
from privacy.services import candidate_erase
from scoring.scorecards.models import Scorecard
from tests.factories import CandidateFactory, LoopFactory, LoopTemplateFactory, rated_session

pytestmark = pytest.mark.django_db


def _erased(candidate, admin_user):
    return candidate_erase(actor=admin_user, candidate_id=candidate.pk, reason="Asked.")


def _assert_refused(response, field: str) -> None:
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "candidate_erased"
    assert field in body["fields"]


def test_an_erased_candidate_cannot_be_changed(client_for, admin_user, recruiter):
    candidate = _erased(CandidateFactory(), admin_user)

    response = client_for(recruiter).patch(
        f"/api/v1/candidates/{candidate.pk}/", {"name": "Back again"}, format="json"
    )

    _assert_refused(response, "id")
    candidate.refresh_from_db()
    assert candidate.name == f"Erased candidate {candidate.pk}"


def test_an_erased_candidate_gets_no_new_loop(client_for, admin_user, interviewer):
    candidate = _erased(CandidateFactory(), admin_user)
    template = LoopTemplateFactory()

    response = client_for(admin_user).post(
        "/api/v1/loops/",
        {"candidate": candidate.pk, "template": template.pk, "interviewers": [interviewer.pk]},
        format="json",
    )

    _assert_refused(response, "candidate")
    assert "erased" in response.json()["message"]


def test_no_scorecard_is_written_or_amended_for_an_erased_candidate(
    client_for, admin_user, interviewer, other_interviewer
):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    other = rated_session(interviewers=[other_interviewer], loop=loop)
    client = client_for(interviewer)
    draft = client.post("/api/v1/scorecards/", plan.body(submit=False), format="json").json()
    submitted = client_for(other_interviewer).post(
        "/api/v1/scorecards/", other.body(), format="json"
    )
    assert submitted.status_code == 201
    _erased(loop.candidate, admin_user)

    _assert_refused(
        client.patch(f"/api/v1/scorecards/{draft['id']}/", {"summary": "new"}, format="json"),
        "session",
    )
    _assert_refused(client.post(f"/api/v1/scorecards/{draft['id']}/submit/"), "session")
    _assert_refused(
        client_for(other_interviewer).post(
            f"/api/v1/scorecards/{submitted.json()['id']}/amend/",
            {"reason": "More to say", "summary": "More text"},
            format="json",
        ),
        "session",
    )
    assert set(Scorecard.objects.values_list("summary", flat=True)) == {"[erased]"}


def test_no_draft_is_created_for_an_erased_candidate(client_for, admin_user, interviewer):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    _erased(loop.candidate, admin_user)

    response = client_for(interviewer).post(
        "/api/v1/scorecards/",
        plan.body(submit=False, summary="A new text about them"),
        format="json",
    )

    _assert_refused(response, "session")
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
def test_no_shadow_scorecard_is_created_for_an_erased_candidate(
    submit, client_for, admin_user, interviewer, other_interviewer
):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    SessionTrainee.objects.create(
        session=plan.session, loop=loop, trainee=other_interviewer, stage="shadow"
    )
    _erased(loop.candidate, admin_user)

    response = client_for(other_interviewer).post(
        "/api/v1/scorecards/", plan.body(submit=submit), format="json"
    )

    _assert_refused(response, "session")
    assert not Scorecard.objects.exists()


def test_an_erased_candidates_loop_is_not_decided(client_for, admin_user, interviewer):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    assert client_for(interviewer).post("/api/v1/scorecards/", plan.body()).status_code == 201
    _erased(loop.candidate, admin_user)

    response = client_for(admin_user).post(
        f"/api/v1/loops/{loop.pk}/decision/",
        {"decision": "hire", "note": "A note about them"},
        format="json",
    )

    _assert_refused(response, "loop")
    loop.refresh_from_db()
    assert (loop.decision, loop.decision_note) == ("", "")


def test_the_admin_site_does_not_change_an_erased_candidate(admin_client, admin_user):
    candidate = _erased(CandidateFactory(), admin_user)
    url = f"/admin/interviews/candidate/{candidate.pk}/change/"

    response = admin_client.post(url, {"name": "Back again", "email": "", "external_id": ""})

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.name == f"Erased candidate {candidate.pk}"
