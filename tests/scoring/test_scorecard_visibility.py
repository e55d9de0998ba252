"""Blind feedback: who sees which scorecard, for every role and every state.

Invisible scorecards answer 404 (never 403), on the detail, history, list and write endpoints.
"""

import pytest

from tests.factories import LoopFactory, UserFactory, rated_session, scorecard_in

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop_of_two(interviewer, other_interviewer, hiring_manager):
    """Ivan interviews in one session of a loop of Hannah's job, Olga in another."""
    loop = LoopFactory(template__job__hiring_manager=hiring_manager)
    ivan = rated_session(interviewers=[interviewer], loop=loop)
    olga = rated_session(interviewers=[other_interviewer], loop=ivan.loop)
    return ivan, olga


def _visible(client, scorecard_id: int) -> bool:
    response = client.get(f"{SCORECARDS_URL}{scorecard_id}/")
    assert response.status_code in (200, 404), response.json()
    if response.status_code == 404:
        assert response.json()["code"] == "not_found"
    listed = {row["id"] for row in client.get(SCORECARDS_URL).json()["results"]}
    assert (scorecard_id in listed) == (response.status_code == 200)
    return response.status_code == 200


@pytest.mark.parametrize(
    "own_state, peer_state, visible",
    [
        (None, "draft", False),
        (None, "submitted", False),
        ("draft", "draft", False),
        ("draft", "submitted", False),
        ("submitted", "draft", False),
        ("submitted", "submitted", True),
    ],
    ids=[
        "no own card, peer draft",
        "no own card, peer submitted",
        "own draft, peer draft",
        "own draft, peer submitted",
        "own submitted, peer draft",
        "own submitted, peer submitted",
    ],
)
def test_interviewer_sees_peer_scorecard_only_after_submitting_own_and_never_a_draft(
    loop_of_two, interviewer, other_interviewer, client_for, own_state, peer_state, visible
):
    ivan, olga = loop_of_two
    if own_state is not None:
        scorecard_in(ivan, interviewer=interviewer, submitted=own_state == "submitted")
    peer_card = scorecard_in(
        olga, interviewer=other_interviewer, submitted=peer_state == "submitted"
    )

    assert _visible(client_for(interviewer), peer_card.pk) is visible


def test_panel_interviewer_sees_co_interviewer_card_only_after_submitting(
    interviewer, other_interviewer, client_for
):
    panel = rated_session(interviewers=[interviewer, other_interviewer])
    peer_card = scorecard_in(panel, interviewer=other_interviewer, submitted=True)
    client = client_for(interviewer)
    assert not _visible(client, peer_card.pk)

    scorecard_in(panel, interviewer=interviewer, submitted=True)

    assert _visible(client, peer_card.pk)


def test_submitting_in_another_loop_does_not_reveal_this_loop(
    loop_of_two, interviewer, other_interviewer, client_for
):
    _, olga = loop_of_two
    peer_card = scorecard_in(olga, interviewer=other_interviewer, submitted=True)
    elsewhere = rated_session(interviewers=[interviewer])
    scorecard_in(elsewhere, interviewer=interviewer, submitted=True)

    assert not _visible(client_for(interviewer), peer_card.pk)


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_author_always_sees_own_scorecard(loop_of_two, interviewer, client_for, submitted):
    ivan, _ = loop_of_two
    card = scorecard_in(ivan, interviewer=interviewer, submitted=submitted)

    assert _visible(client_for(interviewer), card.pk)


@pytest.mark.parametrize("role", ["hiring_manager", "recruiter", "admin_user"])
@pytest.mark.parametrize("submitted, visible", [(False, False), (True, True)], ids=["draft", "sub"])
def test_hiring_managers_recruiters_and_admins_see_every_submitted_scorecard_but_no_draft(
    loop_of_two, other_interviewer, client_for, request, role, submitted, visible
):
    _, olga = loop_of_two
    card = scorecard_in(olga, interviewer=other_interviewer, submitted=submitted)
    viewer = request.getfixturevalue(role)

    assert _visible(client_for(viewer), card.pk) is visible


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_outsider_sees_no_scorecard(
    loop_of_two, other_interviewer, outsider, client_for, submitted
):
    _, olga = loop_of_two
    card = scorecard_in(olga, interviewer=other_interviewer, submitted=submitted)

    assert not _visible(client_for(outsider), card.pk)


@pytest.mark.parametrize("role", ["hiring_manager", "recruiter", "admin_user"])
def test_whoever_interviews_in_a_loop_is_blind_there_until_their_own_card_is_submitted(
    other_interviewer, client_for, request, role
):
    """API.md, additions of 2026-11-30: blind "whatever else their roles allow". The loop is of
    the hiring manager's own job, so that nothing but the blind rule hides the peer's card."""
    viewer = request.getfixturevalue(role)
    own = rated_session(
        interviewers=[viewer],
        loop=LoopFactory(template__job__hiring_manager=request.getfixturevalue("hiring_manager")),
    )
    peer = rated_session(interviewers=[other_interviewer], loop=own.loop)
    own_card = scorecard_in(own, interviewer=viewer, submitted=False)
    peer_card = scorecard_in(peer, interviewer=other_interviewer, submitted=True)
    client = client_for(viewer)

    assert not _visible(client, peer_card.pk)
    assert client.get(f"{SCORECARDS_URL}{peer_card.pk}/history/").status_code == 404

    own_card.status = "submitted"
    own_card.overall_recommendation = "yes"
    own_card.submitted_at = peer_card.submitted_at
    own_card.save()

    assert _visible(client, peer_card.pk)


def test_hiring_manager_who_interviews_in_one_loop_still_sees_submitted_cards_of_others(
    hiring_manager, interviewer, other_interviewer, client_for
):
    own = rated_session(interviewers=[hiring_manager, interviewer])
    # Another loop of the hiring manager's own job (job teams: only those are theirs to read).
    elsewhere = rated_session(
        interviewers=[other_interviewer],
        loop=LoopFactory(template__job__hiring_manager=hiring_manager),
    )
    scorecard_in(own, interviewer=hiring_manager, submitted=False)
    co_interviewer_card = scorecard_in(own, interviewer=interviewer, submitted=True)
    other_loop_card = scorecard_in(elsewhere, interviewer=other_interviewer, submitted=True)
    client = client_for(hiring_manager)

    assert not _visible(client, co_interviewer_card.pk)
    assert _visible(client, other_loop_card.pk)


def test_anonymous_caller_gets_401(anonymous_client):
    response = anonymous_client.get(SCORECARDS_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_invisible_scorecard_is_404_on_history_and_every_write(
    loop_of_two, interviewer, other_interviewer, client_for
):
    _, olga = loop_of_two
    peer_draft = scorecard_in(olga, interviewer=other_interviewer, submitted=False)
    client = client_for(interviewer)
    url = f"{SCORECARDS_URL}{peer_draft.pk}/"

    responses = [
        client.get(f"{url}history/"),
        client.patch(url, {"summary": "mine now"}, format="json"),
        client.post(f"{url}submit/"),
        client.post(f"{url}amend/", {"reason": "typo", "summary": "x"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert {r.json()["code"] for r in responses} == {"not_found"}


def test_visible_peer_scorecard_is_read_only_for_others(
    loop_of_two, interviewer, other_interviewer, hiring_manager, client_for
):
    ivan, olga = loop_of_two
    scorecard_in(ivan, interviewer=interviewer, submitted=True)
    peer_card = scorecard_in(olga, interviewer=other_interviewer, submitted=True)
    url = f"{SCORECARDS_URL}{peer_card.pk}/"

    for viewer in (interviewer, hiring_manager):
        response = client_for(viewer).post(
            f"{url}amend/", {"reason": "I disagree", "summary": "changed"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "not_scorecard_author"


def test_list_shows_exactly_what_each_user_may_see(
    loop_of_two, interviewer, other_interviewer, recruiter, client_for
):
    ivan, olga = loop_of_two
    third_user = UserFactory(username="tara_interviewer")
    third = rated_session(interviewers=[third_user], loop=ivan.loop)
    own_submitted = scorecard_in(ivan, interviewer=interviewer, submitted=True)
    peer_submitted = scorecard_in(olga, interviewer=other_interviewer, submitted=True)
    peer_draft = scorecard_in(third, interviewer=third_user, submitted=False)

    def listed(user) -> list[int]:
        return [row["id"] for row in client_for(user).get(SCORECARDS_URL).json()["results"]]

    assert listed(interviewer) == [own_submitted.pk, peer_submitted.pk]
    assert listed(third_user) == [peer_draft.pk]
    assert listed(recruiter) == [own_submitted.pk, peer_submitted.pk]
