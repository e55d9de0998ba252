"""The loops of an erased candidate: no write may plan more about them (swap, schedule) and
every refusal is the 409 `candidate_erased` naming the loop; cancelling, which records nothing
new about them, stays possible."""

import pytest

from interviews.models import Loop, SessionQuestion
from privacy.services import candidate_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased_loop(generate, candidate, admin_user):
    """A generated draft loop whose candidate was then erased (its body as generated)."""
    response = generate()
    assert response.status_code == 201, response.json()
    candidate_erase(actor=admin_user, candidate_id=candidate.pk, reason="Asked.")
    return response.json()


def _assert_refused(response, field: str) -> None:
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "candidate_erased"
    assert field in body["fields"]
    assert "erased" in body["message"]


def test_an_erased_candidates_loop_gets_no_question_swap(erased_loop, client_for, hiring_manager):
    session = erased_loop["sessions"][0]
    out = session["questions"][0]["question"]
    before = set(SessionQuestion.objects.values_list("session_id", "question_id"))

    response = client_for(hiring_manager).post(
        f"/api/v1/loops/{erased_loop['id']}/swap/",
        {"session": session["id"], "question_out": out},
        format="json",
    )

    _assert_refused(response, "loop")
    assert set(SessionQuestion.objects.values_list("session_id", "question_id")) == before


def test_an_erased_candidates_draft_loop_is_not_scheduled(erased_loop, client_for, hiring_manager):
    response = client_for(hiring_manager).post(f"/api/v1/loops/{erased_loop['id']}/schedule/")

    _assert_refused(response, "loop")
    assert Loop.objects.get(pk=erased_loop["id"]).status == Loop.Status.DRAFT


def test_an_erased_candidates_loop_can_still_be_cancelled(erased_loop, client_for, hiring_manager):
    response = client_for(hiring_manager).post(f"/api/v1/loops/{erased_loop['id']}/cancel/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
