"""Export: everything held about one candidate, as one JSON document."""

import pytest

from tests.factories import LoopFactory, rated_session, scorecard_in
from tests.privacy.privacy_helpers import EMAIL, EXTERNAL_ID, NAME

pytestmark = pytest.mark.django_db


def export_url(candidate_id: int) -> str:
    return f"/api/v1/candidates/{candidate_id}/export/"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def test_the_export_holds_every_text_and_every_revision(history, client_for, recruiter):
    response = client_for(recruiter).get(export_url(history.candidate.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"exported_at", "candidate", "loops", "audit"}
    assert body["candidate"] == {
        "id": history.candidate.pk,
        "name": NAME,
        "email": EMAIL,
        "external_id": EXTERNAL_ID,
        "created_at": history.candidate.created_at.isoformat().replace("+00:00", "Z"),
        "erased_at": None,
    }
    assert [loop["id"] for loop in body["loops"]] == [loop.pk for loop in history.loops]
    assert body["loops"][0]["decision"] == "hire"
    for loop in body["loops"]:
        assert len(loop["sessions"]) == 2
        assert all(len(s["questions"]) == 2 for s in loop["sessions"])
        assert len(loop["scorecards"]) == 2
    amended = body["loops"][0]["scorecards"][0]
    assert amended["revision"] == 2
    assert amended["first_recommendation"] != ""
    (revision,) = amended["revisions"]
    assert revision["previous"]["summary"].startswith("Zebulon summary")
    assert {r["rating"] for r in revision["previous"]["ratings"]}
    # Every free text written about the candidate is in the document.
    exported = set(_strings(body))
    assert set(history.texts) <= exported
    actions = {entry["action"] for entry in body["audit"]}
    assert {"candidate.created", "scorecard.amended", "loop.decided"} <= actions


def test_the_export_of_an_erased_candidate_holds_only_the_pseudonym(
    history, client_for, recruiter, admin_user
):
    client_for(admin_user).post(
        f"/api/v1/candidates/{history.candidate.pk}/erase/", {"reason": "Asked."}
    )

    body = client_for(recruiter).get(export_url(history.candidate.pk)).json()

    exported = set(_strings(body))
    assert not exported & set(history.secrets)
    assert body["candidate"]["erased_at"] is not None


def test_the_export_costs_the_same_queries_for_one_loop_or_many(
    client_for, recruiter, interviewer, other_interviewer, django_assert_max_num_queries
):
    small = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=small)
    scorecard_in(plan, interviewer=interviewer, submitted=True)
    big_candidate = LoopFactory().candidate
    for _ in range(4):
        loop = LoopFactory(candidate=big_candidate)
        for person in (interviewer, other_interviewer):
            plan = rated_session(interviewers=[person], loop=loop, questions=3)
            scorecard_in(plan, interviewer=person, submitted=True)
    client = client_for(recruiter)

    # The token and the caller's roles (2), then one read per table (9): 11, measured.
    for candidate_id in (small.candidate_id, big_candidate.pk):
        with django_assert_max_num_queries(11):
            assert client.get(export_url(candidate_id)).status_code == 200


def test_admins_and_recruiters_export_others_are_refused(
    history, client_for, admin_user, recruiter, hiring_manager, interviewer, outsider
):
    for user in (admin_user, recruiter):
        assert client_for(user).get(export_url(history.candidate.pk)).status_code == 200
    for user in (hiring_manager, interviewer, outsider):
        response = client_for(user).get(export_url(history.candidate.pk))
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"


def test_the_export_of_an_unknown_candidate_is_404(client_for, recruiter):
    response = client_for(recruiter).get(export_url(999999))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
