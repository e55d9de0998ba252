"""Blind feedback that cannot be gamed (issue 11; API.md, additions of 2026-11-30).

The attack: submit a placeholder, read the peers' scorecards (visible once one's own is
submitted), then amend to match them; or amend after the hire/no-hire decision. Amendments after
the decision are refused; every amendment records whether its author could read a peer's
scorecard; the first submission is what statistics read (test_calibration_report_first_revision).
"""

import pytest
from django.utils import timezone

from interviews.models import Loop
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision
from tests.factories import rated_session

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_seats(interviewer, other_interviewer):
    """Ivan and Olga each interview in one session of the same scheduled loop."""
    ivan = rated_session(interviewers=[interviewer], criteria_per_question=1)
    olga = rated_session(interviewers=[other_interviewer], loop=ivan.loop, criteria_per_question=1)
    return ivan, olga


def _submit(client, plan, **overrides) -> int:
    response = client.post(SCORECARDS_URL, plan.body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _amend(client, card_id: int, body: dict):
    return client.post(f"{SCORECARDS_URL}{card_id}/amend/", body, format="json")


def test_amending_after_the_decision_is_a_409_and_changes_nothing(
    interviewer, hiring_manager, admin_user, client_for
):
    plan = rated_session(interviewers=[interviewer])
    card_id = _submit(client_for(interviewer), plan)
    # The decision as loop_decide writes it (its endpoint is tested in tests/interviews).
    Loop.objects.filter(pk=plan.loop.pk).update(
        decision="no_hire", decided_by=hiring_manager, decided_at=timezone.now()
    )

    for author in (interviewer, admin_user):
        response = _amend(
            client_for(author),
            card_id,
            {"reason": "Match the decision.", "overall_recommendation": "strong_no"},
        )

        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "loop_decided"
        assert "decided" in body["message"]
        assert set(body) == {"code", "message", "fields"}
    card = Scorecard.objects.get(pk=card_id)
    assert (card.overall_recommendation, card.revision) == ("yes", 1)
    assert not ScorecardRevision.objects.exists()


def test_a_first_submission_never_follows_a_peer_view(
    two_seats, interviewer, other_interviewer, client_for
):
    ivan, olga = two_seats
    olga_card = _submit(client_for(other_interviewer), olga)
    # Ivan cannot read Olga's card before submitting his own...
    assert client_for(interviewer).get(f"{SCORECARDS_URL}{olga_card}/").status_code == 404
    ivan_card = _submit(client_for(interviewer), ivan)

    cards = Scorecard.objects.filter(pk__in=[olga_card, ivan_card])
    assert [c.author_could_read_peers for c in cards] == [False, False]
    assert [c.amended_after_peer_view for c in cards] == [False, False]


def test_placeholder_then_peer_read_then_amend_is_recorded_and_keeps_the_first_judgment(
    two_seats, interviewer, other_interviewer, client_for
):
    ivan, olga = two_seats
    ivan_client = client_for(interviewer)
    placeholder = _submit(ivan_client, ivan, overall_recommendation="strong_yes")
    before_peer = _amend(ivan_client, placeholder, {"reason": "typo", "summary": "Fixed typo."})
    assert before_peer.status_code == 200, before_peer.json()
    olga_card = _submit(client_for(other_interviewer), olga, ratings=olga.ratings(rating=1))
    assert ivan_client.get(f"{SCORECARDS_URL}{olga_card}/").status_code == 200

    response = _amend(
        ivan_client,
        placeholder,
        {
            "reason": "On reflection.",
            "overall_recommendation": "no",
            "ratings": ivan.ratings(rating=1),
        },
    )

    assert response.status_code == 200, response.json()
    assert [r["rating"] for r in response.json()["ratings"]] == [1, 1]
    history = ivan_client.get(f"{SCORECARDS_URL}{placeholder}/history/").json()["results"]
    assert [(e["revision"], e["author_could_read_peers"]) for e in history] == [
        (1, False),
        (2, True),
    ]
    card = Scorecard.objects.get(pk=placeholder)
    assert card.amended_after_peer_view is True
    assert (card.overall_recommendation, card.first_recommendation) == ("no", "strong_yes")
    rows = CriterionRating.objects.filter(scorecard_id=placeholder)
    assert sorted((r.rating, r.first_rating) for r in rows) == [(1, 3), (1, 3)]


def test_an_admin_amending_after_peers_submitted_is_recorded_but_not_counted_as_the_interviewer(
    two_seats, interviewer, other_interviewer, admin_user, client_for
):
    ivan, olga = two_seats
    card_id = _submit(client_for(interviewer), ivan)
    _submit(client_for(other_interviewer), olga)

    response = _amend(client_for(admin_user), card_id, {"reason": "GDPR typo", "summary": "x"})

    assert response.status_code == 200, response.json()
    assert ScorecardRevision.objects.get().author_could_read_peers is True
    assert Scorecard.objects.get(pk=card_id).amended_after_peer_view is False


def test_a_rating_withdrawn_by_an_amendment_is_hidden_but_kept_for_statistics(
    interviewer, client_for
):
    plan = rated_session(interviewers=[interviewer])
    client = client_for(interviewer)
    card_id = _submit(client, plan)
    retired = plan.criteria[0]
    retired.is_active = False
    retired.save()
    kept = [r for r in plan.ratings(rating=4) if r["criterion"] != retired.pk]

    response = _amend(client, card_id, {"reason": "Drop the retired one.", "ratings": kept})

    assert response.status_code == 200, response.json()
    assert retired.pk not in {r["criterion"] for r in response.json()["ratings"]}
    assert client.get(f"{SCORECARDS_URL}{card_id}/").json()["ratings"] == response.json()["ratings"]
    withdrawn = CriterionRating.objects.get(scorecard_id=card_id, criterion=retired)
    assert (withdrawn.withdrawn, withdrawn.first_rating) == (True, 3)
    # Reactivated and rated again: the row is back; its first rating stays the first one.
    retired.is_active = True
    retired.save()
    again = _amend(client, card_id, {"reason": "Put it back.", "ratings": plan.ratings(rating=2)})
    assert again.status_code == 200, again.json()
    withdrawn.refresh_from_db()
    assert (withdrawn.withdrawn, withdrawn.rating, withdrawn.first_rating) == (False, 2, 3)
    assert Loop.objects.get(pk=plan.loop.pk).status == Loop.Status.COMPLETED
