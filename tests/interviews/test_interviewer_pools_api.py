"""Interviewer pools: who may read and change them, members and their training steps, and the
pools shown on GET /interviewers/ (API.md additions, Interviewer pools)."""

import pytest
from django.contrib.auth.models import Group

from interviews.models import InterviewerPool, PoolMember
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/interviewer-pools/"


@pytest.fixture
def pool(seed_bank):
    pool = InterviewerPool.objects.create(name="Analytics onsite")
    pool.levels.set(["beginner", "advanced"])
    return pool


def _members_url(pool, user=None, action=""):
    base = f"{URL}{pool.pk}/members/"
    return base if user is None else f"{base}{user.pk}/{action}"


# --- the attacker's tests first -----------------------------------------------------------------


def test_interviewer_cannot_read_pools(client_for, interviewer, pool):
    client = client_for(interviewer)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{pool.pk}/").status_code == 403


def test_outsider_cannot_read_pools(client_for, outsider, pool):
    assert client_for(outsider).get(URL).status_code == 403


def test_interviewer_cannot_promote_even_themselves(client_for, interviewer, pool):
    PoolMember.objects.create(pool=pool, user=interviewer, status="shadow")
    response = client_for(interviewer).post(_members_url(pool, interviewer, "promote/"))
    assert response.status_code == 403
    assert PoolMember.objects.get(user=interviewer).status == "shadow"


def test_interviewer_cannot_add_themselves_or_create_a_pool(client_for, interviewer, pool):
    client = client_for(interviewer)
    response = client.post(_members_url(pool), {"user": interviewer.pk}, format="json")
    assert response.status_code == 403
    assert client.post(URL, {"name": "Mine"}, format="json").status_code == 403
    assert not PoolMember.objects.exists()
    assert InterviewerPool.objects.count() == 1


def test_recruiter_reads_but_cannot_change_pools(client_for, recruiter, interviewer, pool):
    client = client_for(recruiter)
    assert client.get(URL).status_code == 200
    assert client.patch(f"{URL}{pool.pk}/", {"name": "x"}, format="json").status_code == 403
    response = client.post(_members_url(pool), {"user": interviewer.pk}, format="json")
    assert response.status_code == 403


# --- the pool and its members ------------------------------------------------------------------


def test_hiring_manager_creates_a_pool_and_adds_members(
    client_for, hiring_manager, interviewer, other_interviewer, seed_bank
):
    client = client_for(hiring_manager)
    response = client.post(
        URL,
        {"name": "Onsite", "levels": ["advanced", "beginner"], "competencies": []},
        format="json",
    )
    assert response.status_code == 201
    pool_id = response.json()["id"]
    pool = InterviewerPool.objects.get(pk=pool_id)
    client.post(_members_url(pool), {"user": interviewer.pk}, format="json")
    response = client.post(
        _members_url(pool), {"user": other_interviewer.pk, "status": "qualified"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": pool_id,
        "name": "Onsite",
        "levels": ["beginner", "advanced"],
        "competencies": [],
        "members": [
            {
                "user": interviewer.pk,
                "status": "shadow",
                "shadow_sessions": 0,
                "reverse_shadow_sessions": 0,
            },
            {
                "user": other_interviewer.pk,
                "status": "qualified",
                "shadow_sessions": 0,
                "reverse_shadow_sessions": 0,
            },
        ],
        "created_at": pool.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_member_twice_is_a_409_and_a_non_interviewer_a_400(
    client_for, hiring_manager, interviewer, outsider, pool
):
    client = client_for(hiring_manager)
    assert (
        client.post(_members_url(pool), {"user": interviewer.pk}, format="json").status_code == 201
    )
    again = client.post(_members_url(pool), {"user": interviewer.pk}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "pool_member_exists"
    refused = client.post(_members_url(pool), {"user": outsider.pk}, format="json")
    assert refused.status_code == 400
    assert "user" in refused.json()["fields"]


def test_unknown_level_and_duplicate_name_are_400(client_for, hiring_manager, pool):
    client = client_for(hiring_manager)
    response = client.post(URL, {"name": "X", "levels": ["no-such-level"]}, format="json")
    assert response.status_code == 400
    assert "levels" in response.json()["fields"]
    response = client.post(URL, {"name": pool.name}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["fields"]


def test_promote_moves_one_step_at_a_time_then_409(client_for, hiring_manager, interviewer, pool):
    PoolMember.objects.create(pool=pool, user=interviewer, status="shadow")
    client = client_for(hiring_manager)
    statuses = []
    for _ in range(2):
        response = client.post(_members_url(pool, interviewer, "promote/"))
        assert response.status_code == 200
        statuses.append(response.json()["members"][0]["status"])
    assert statuses == ["reverse_shadow", "qualified"]
    response = client.post(_members_url(pool, interviewer, "promote/"))
    assert response.status_code == 409
    assert response.json()["code"] == "already_qualified"


def test_promoting_or_removing_a_non_member_is_404(client_for, hiring_manager, interviewer, pool):
    client = client_for(hiring_manager)
    assert client.post(_members_url(pool, interviewer, "promote/")).status_code == 404
    assert client.delete(_members_url(pool, interviewer)).status_code == 404


def test_admin_removes_a_member(client_for, admin_user, interviewer, pool):
    PoolMember.objects.create(pool=pool, user=interviewer, status="qualified")
    assert client_for(admin_user).delete(_members_url(pool, interviewer)).status_code == 204
    assert not PoolMember.objects.exists()


def test_patch_replaces_what_the_pool_covers(client_for, hiring_manager, pool):
    response = client_for(hiring_manager).patch(
        f"{URL}{pool.pk}/", {"levels": [], "competencies": ["experimentation"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["levels"] == []
    assert response.json()["competencies"] == ["experimentation"]


def test_pool_list_costs_the_same_queries_however_many_members(
    client_for, recruiter, pool, django_assert_max_num_queries
):
    client = client_for(recruiter)
    client.get(URL)
    with django_assert_max_num_queries(8) as small:
        assert client.get(URL).status_code == 200
    group = Group.objects.get_or_create(name="interviewer")[0]
    for n in range(20):
        user = UserFactory(username=f"member_{n}")
        user.groups.add(group)
        PoolMember.objects.create(pool=pool, user=user, status="qualified")
        InterviewerPool.objects.create(name=f"Pool {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(URL).json()
    assert len(body["results"][0]["members"]) == 20


# --- the interviewers list ----------------------------------------------------------------------


def test_interviewers_list_shows_each_users_pools(client_for, hiring_manager, interviewer, pool):
    other = InterviewerPool.objects.create(name="Behavioral")
    PoolMember.objects.create(pool=pool, user=interviewer, status="qualified")
    PoolMember.objects.create(pool=other, user=interviewer, status="reverse_shadow")
    body = client_for(hiring_manager).get(f"/api/v1/interviewers/{interviewer.pk}/").json()
    assert body["pools"] == [
        {"pool": pool.pk, "status": "qualified"},
        {"pool": other.pk, "status": "reverse_shadow"},
    ]
