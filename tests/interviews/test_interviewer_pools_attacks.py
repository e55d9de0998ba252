"""An attacker's pass over interviewer pools and training (API.md additions, Interviewer pools):
a real user with a valid account trying to qualify themselves, or to reach what their role
should not.

Henry is a hiring manager who is himself a trainee of the pool (hiring managers may interview):
the training steps exist so that somebody else vouches for him before he scores candidates.
"""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections

from core.models import AuditEvent
from interviews.models import InterviewerPool, Loop, PoolMember, SessionTrainee
from tests.factories import UserFactory, rated_session
from tests.locks import row_locked, wait_for_blocked

pytestmark = pytest.mark.django_db

URL = "/api/v1/interviewer-pools/"


@pytest.fixture
def pool(seed_bank):
    return InterviewerPool.objects.create(name="Analytics onsite")


@pytest.fixture
def henry(db):
    """A hiring manager in training in the pool."""
    user = UserFactory(username="henry_hm")
    user.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    return user


def test_a_hiring_manager_in_training_cannot_promote_himself(client_for, henry, pool):
    PoolMember.objects.create(pool=pool, user=henry, status="shadow")
    client = client_for(henry)

    responses = [client.post(f"{URL}{pool.pk}/members/{henry.pk}/promote/") for _ in range(2)]

    assert [r.status_code for r in responses] == [403, 403]
    body = responses[0].json()
    assert body["code"] == "permission_denied"
    assert "another hiring manager or an admin" in body["message"]
    assert PoolMember.objects.get(pool=pool, user=henry).status == "shadow"
    assert not AuditEvent.objects.filter(action="interviewer_pool.member_promoted").exists()


def test_a_hiring_manager_cannot_add_himself_as_qualified(client_for, henry, pool):
    client = client_for(henry)

    for status_ in ("qualified", "reverse_shadow"):
        response = client.post(
            f"{URL}{pool.pk}/members/", {"user": henry.pk, "status": status_}, format="json"
        )
        assert response.status_code == 403, response.content
        assert "status" in response.json()["fields"]
        assert "shadow" in response.json()["message"]
    assert not PoolMember.objects.exists()


def test_a_hiring_manager_may_still_join_as_a_shadow_and_be_promoted_by_another(
    client_for, henry, hiring_manager, pool
):
    joined = client_for(henry).post(f"{URL}{pool.pk}/members/", {"user": henry.pk}, format="json")
    promoted = client_for(hiring_manager).post(f"{URL}{pool.pk}/members/{henry.pk}/promote/")

    assert (joined.status_code, promoted.status_code) == (201, 200)
    assert PoolMember.objects.get(pool=pool, user=henry).status == "reverse_shadow"


def test_an_admin_may_qualify_themselves(client_for, pool):
    """An admin may do everything (API.md); the rule is for hiring managers vouching for
    themselves."""
    admin = UserFactory(username="adam_admin_hm", is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    PoolMember.objects.create(pool=pool, user=admin, status="reverse_shadow")

    response = client_for(admin).post(f"{URL}{pool.pk}/members/{admin.pk}/promote/")

    assert response.status_code == 200
    assert PoolMember.objects.get(pool=pool, user=admin).status == "qualified"


def test_a_trainee_interviewer_cannot_promote_himself_by_guessing_ids(
    client_for, interviewer, pool
):
    PoolMember.objects.create(pool=pool, user=interviewer, status="shadow")
    client = client_for(interviewer)

    answers = {
        client.post(f"{URL}{pool_id}/members/{interviewer.pk}/promote/").status_code
        for pool_id in (pool.pk, pool.pk + 1, 999_999)
    }

    assert answers == {403}  # the role is refused before any pool is looked up: no oracle
    assert PoolMember.objects.get(pool=pool, user=interviewer).status == "shadow"


# --- a trainee in a loop -----------------------------------------------------------------------


def test_a_trainee_reads_the_loop_but_never_its_decision_note(client_for, other_interviewer):
    """Interviewers never see a loop's decision_note (API.md additions); a trainee sits in the
    loop like one, and sees the loop (their kit) but not the note."""
    plan = rated_session(interviewers=[UserFactory(username="panel_pat")])
    SessionTrainee.objects.create(session=plan.session, loop=plan.loop, trainee=other_interviewer)
    Loop.objects.filter(pk=plan.loop.pk).update(
        status="completed", decision="no_hire", decision_note="Team fit: said no to on-call"
    )

    response = client_for(other_interviewer).get(f"/api/v1/loops/{plan.loop.pk}/")

    assert response.status_code == 200, response.content
    assert (response.json()["decision"], response.json()["decision_note"]) == ("no_hire", None)
    assert b"on-call" not in response.content


# --- racing ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_promotions_at_once_take_two_steps_never_one_twice(
    client_for, hiring_manager, henry, interviewer, seed_bank
):
    """Two hiring managers press promote on the same shadow at the same moment: both requests
    are held on the member's row, then go one after the other (shadow -> reverse_shadow ->
    qualified), never both reading shadow and writing reverse_shadow."""
    pool = InterviewerPool.objects.create(name="Raced pool")
    member = PoolMember.objects.create(pool=pool, user=interviewer, status="shadow")
    clients = [client_for(hiring_manager), client_for(henry)]
    results: list = [None, None]

    def promote(index: int) -> None:
        try:
            response = clients[index].post(f"{URL}{pool.pk}/members/{interviewer.pk}/promote/")
            results[index] = response.status_code
        finally:
            connections.close_all()

    with row_locked(PoolMember._meta.db_table, member.pk) as blocker:
        threads = [threading.Thread(target=promote, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        wait_for_blocked(blocker, count=2)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()

    assert results == [200, 200]
    assert PoolMember.objects.get(pk=member.pk).status == "qualified"
    steps = [
        event.changes["status"]
        for event in AuditEvent.objects.filter(action="interviewer_pool.member_promoted")
    ]
    assert sorted(steps) == [["reverse_shadow", "qualified"], ["shadow", "reverse_shadow"]]
