"""POST /loops/ without interviewers: the loop is staffed from the template's pool, within every
weekly limit; naming or scheduling someone over their limit is a 409 (API.md additions,
Interviewer pools)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from interviews.models import (
    InterviewerPool,
    InterviewerProfile,
    Loop,
    PoolMember,
    SessionInterviewer,
    SessionTrainee,
)
from interviews.selectors import iso_week_bounds
from tests.factories import CandidateFactory, JobFactory
from tests.interviews.conftest import make_template

pytestmark = pytest.mark.django_db

QUOTAS = {"beginner": 1, "intermediate": 1}


@pytest.fixture
def pool(interviewer_pool):
    """The first six of the eight interviewers qualified, the last two shadows."""
    pool = InterviewerPool.objects.create(name="Analytics")
    PoolMember.objects.bulk_create(
        PoolMember(pool=pool, user=user, status="qualified" if n < 6 else "shadow")
        for n, user in enumerate(interviewer_pool)
    )
    return pool


@pytest.fixture
def pool_template(seed_bank, job, pool):
    template = make_template(job, QUOTAS, session_count=2, session_minutes=60)
    template.interviewer_pool = pool
    template.trainees_per_session = 1
    template.save()
    return template


def _generate(client, template, candidate, **extra):
    body = {"candidate": candidate.pk, "template": template.pk, "seed": 3, **extra}
    return client.post("/api/v1/loops/", body, format="json")


def test_a_loop_without_interviewers_is_staffed_from_the_pool(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    response = _generate(client_for(hiring_manager), pool_template, candidate)
    assert response.status_code == 201, response.json()
    sessions = response.json()["sessions"]
    qualified = {u.pk for u in interviewer_pool[:6]}
    trainees = {u.pk for u in interviewer_pool[6:]}
    seated = [u for s in sessions for u in s["interviewers"]]
    shadows = [u for s in sessions for u in s["trainees"]]
    assert set(seated) <= qualified and len(seated) == 2
    assert set(shadows) <= trainees and len(shadows) == 2
    assert len(set(seated + shadows)) == 4
    stages = set(SessionTrainee.objects.values_list("stage", flat=True))
    assert stages == {"shadow"}
    # The trainees count their progress in the pool.
    body = client_for(hiring_manager).get(
        f"/api/v1/interviewer-pools/{pool_template.interviewer_pool_id}/"
    )
    progress = {m["user"]: m["shadow_sessions"] for m in body.json()["members"]}
    assert {progress[u] for u in shadows} == {1}


def test_the_same_seed_gives_the_same_staffing(
    client_for, hiring_manager, pool_template, interviewer_pool
):
    client = client_for(hiring_manager)
    plans = []
    for name in ("A", "B"):
        loop = _generate(client, pool_template, CandidateFactory(name=name)).json()
        plans.append([(s["interviewers"], s["trainees"]) for s in loop["sessions"]])
        # No load or exposure left behind.
        assert client.post(f"/api/v1/loops/{loop['id']}/cancel/").status_code == 200
    assert plans[0] == plans[1]


def test_a_template_without_a_pool_needs_interviewers(
    client_for, hiring_manager, onsite_template, candidate
):
    response = _generate(client_for(hiring_manager), onsite_template, candidate)
    assert response.status_code == 400
    assert "interviewers" in response.json()["fields"]


def test_a_pool_too_small_is_a_400_naming_who_is_short(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    # Two of six qualified are at their weekly limit, two more met the candidate: 2 left, 2 needed
    # -> feasible; a third at the limit leaves 1.
    full = interviewer_pool[:3]
    for user in full:
        InterviewerProfile.objects.create(user=user, weekly_limit=1)
    earlier = Loop.objects.create(
        candidate=candidate,
        template=pool_template,
        seed=1,
        created_at=timezone.now() - timedelta(days=30),
    )
    session = earlier.sessions.create(order=1, duration_minutes=60)
    for user in interviewer_pool[3:5]:
        SessionInterviewer.objects.create(session=session, loop=earlier, interviewer=user)
    other = Loop.objects.create(candidate=CandidateFactory(), template=pool_template, seed=2)
    other_session = other.sessions.create(order=1, duration_minutes=60)
    for position, user in enumerate(full, start=1):
        SessionInterviewer.objects.create(
            session=other_session, loop=other, interviewer=user, position=position
        )

    response = _generate(client_for(hiring_manager), pool_template, candidate)

    assert response.status_code == 400
    sentence = response.json()["fields"]["interviewers"][0]
    assert "2 qualified members needed, 1 available, 1 short" in sentence
    assert f"User(s) {', '.join(str(u.pk) for u in full)} at their weekly limit" in sentence
    assert f"User(s) {interviewer_pool[3].pk}, {interviewer_pool[4].pk} already met" in sentence


def test_naming_an_interviewer_at_their_limit_is_a_409_naming_them(
    client_for, hiring_manager, onsite_template, candidate, interviewer_pool, interviewer
):
    InterviewerProfile.objects.create(user=interviewer, weekly_limit=1)
    other = Loop.objects.create(candidate=CandidateFactory(), template=onsite_template, seed=2)
    session = other.sessions.create(order=1, duration_minutes=60)
    SessionInterviewer.objects.create(session=session, loop=other, interviewer=interviewer)

    response = _generate(
        client_for(hiring_manager),
        onsite_template,
        candidate,
        interviewers=[u.pk for u in interviewer_pool],
    )

    assert response.status_code == 409
    assert response.json()["code"] == "weekly_limit_reached"
    assert "ivan_interviewer" in response.json()["message"]
    assert list(response.json()["fields"]) == [f"interviewers.{interviewer.pk}"]


def test_scheduling_into_a_full_week_is_a_409_naming_them(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    client = client_for(hiring_manager)
    loop = _generate(client, pool_template, candidate).json()
    first = loop["sessions"][0]
    lead = first["interviewers"][0]
    InterviewerProfile.objects.update_or_create(user_id=lead, defaults={"weekly_limit": 1})
    next_week = iso_week_bounds(timezone.now())[1] + timedelta(days=1, hours=9)
    # Next week already holds one session of the lead's.
    busy = Loop.objects.create(candidate=CandidateFactory(), template=pool_template, seed=5)
    busy_session = busy.sessions.create(order=1, duration_minutes=60, scheduled_at=next_week)
    SessionInterviewer.objects.create(session=busy_session, loop=busy, interviewer_id=lead)

    response = client.post(
        f"/api/v1/loops/{loop['id']}/schedule/",
        {"sessions": [{"id": first["id"], "scheduled_at": next_week.isoformat()}]},
        format="json",
    )

    assert response.status_code == 409
    assert list(response.json()["fields"]) == [f"interviewers.{lead}"]
    assert Loop.objects.get(pk=loop["id"]).status == "draft"
    # Within the week it already counts in (its creation week), the same move is fine.
    this_week = iso_week_bounds(timezone.now())[0] + timedelta(hours=10)
    response = client.post(
        f"/api/v1/loops/{loop['id']}/schedule/",
        {"sessions": [{"id": first["id"], "scheduled_at": this_week.isoformat()}]},
        format="json",
    )
    assert response.status_code == 200


def test_another_hiring_manager_cannot_use_a_pool_template_or_its_loops(
    client_for, hiring_manager, pool_template, candidate, django_user_model
):
    from django.contrib.auth.models import Group

    rival = django_user_model.objects.create_user("harry_hm", password="x")
    rival.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    JobFactory(title="Rival's job", hiring_manager=rival)
    loop = _generate(client_for(hiring_manager), pool_template, candidate).json()
    client = client_for(rival)

    response = _generate(client, pool_template, CandidateFactory())
    assert response.status_code == 400
    assert "template" in response.json()["fields"]
    assert client.get(f"/api/v1/loop-templates/{pool_template.pk}/").status_code == 404
    assert client.get(f"/api/v1/loops/{loop['id']}/").status_code == 404
    schedule = client.post(f"/api/v1/loops/{loop['id']}/schedule/", {}, format="json")
    assert schedule.status_code == 404
    assert Loop.objects.count() == 1


def test_a_template_names_its_pool_and_trainees(client_for, hiring_manager, job, pool, seed_bank):
    client = client_for(hiring_manager)
    body = {
        "name": "Pool onsite",
        "job": job.pk,
        "level_quotas": QUOTAS,
        "session_count": 2,
        "session_minutes": 60,
        "interviewer_pool": pool.pk,
        "trainees_per_session": 1,
    }
    response = client.post("/api/v1/loop-templates/", body, format="json")
    assert response.status_code == 201
    assert response.json()["interviewer_pool"] == pool.pk
    assert response.json()["trainees_per_session"] == 1
    template_id = response.json()["id"]
    for bad in (
        {"trainees_per_session": 2},
        {"interviewer_pool": 10**6},
        {"interviewer_pool": "1"},
    ):
        response = client.patch(f"/api/v1/loop-templates/{template_id}/", bad, format="json")
        assert response.status_code == 400, bad
    response = client.patch(
        f"/api/v1/loop-templates/{template_id}/", {"interviewer_pool": None}, format="json"
    )
    assert response.json()["interviewer_pool"] is None


def test_trainee_sees_the_kit_and_the_loop(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    loop = _generate(client_for(hiring_manager), pool_template, candidate).json()
    trainee_id = loop["sessions"][0]["trainees"][0]
    trainee = next(u for u in interviewer_pool if u.pk == trainee_id)
    client = client_for(trainee)
    kit = client.get("/api/v1/me/sessions/").json()["results"]
    assert [s["id"] for s in kit] == [loop["sessions"][0]["id"]]
    assert kit[0]["trainees"] == [trainee_id]
    assert kit[0]["questions"][0]["prompt"]
    seen = client.get(f"/api/v1/loops/{loop['id']}/").json()
    assert seen["decision_note"] is None


def test_week_of_a_session_is_its_time_or_else_its_loops_creation(
    hiring_manager, pool_template, interviewer_pool
):
    from interviews.selectors import week_loads

    user = interviewer_pool[0]
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    loop = Loop.objects.create(
        candidate=CandidateFactory(), template=pool_template, seed=1, created_at=monday
    )
    unscheduled = loop.sessions.create(order=1, duration_minutes=60)
    SessionInterviewer.objects.create(session=unscheduled, loop=loop, interviewer=user)
    later = Loop.objects.create(
        candidate=CandidateFactory(), template=pool_template, seed=1, created_at=monday
    )
    scheduled = later.sessions.create(
        order=1, duration_minutes=60, scheduled_at=monday + timedelta(days=8)
    )
    SessionTrainee.objects.create(session=scheduled, loop=later, trainee=user, stage="shadow")
    this_week = week_loads(user_ids=[user.pk], start=monday, end=monday + timedelta(days=7))
    next_week = week_loads(
        user_ids=[user.pk], start=monday + timedelta(days=7), end=monday + timedelta(days=14)
    )
    assert this_week == {user.pk: 1}
    assert next_week == {user.pk: 1}


def test_staffing_costs_the_same_queries_whatever_the_pools_size(
    hiring_manager, job, seed_bank, django_assert_max_num_queries
):
    from django.contrib.auth.models import Group

    from interviews.services import loop_generate
    from tests.factories import UserFactory

    group = Group.objects.get_or_create(name="interviewer")[0]
    counts = []
    for size in (4, 40):
        pool = InterviewerPool.objects.create(name=f"Pool of {size}")
        for n in range(size):
            user = UserFactory(username=f"member_{size}_{n}")
            user.groups.add(group)
            PoolMember.objects.create(
                pool=pool, user=user, status="shadow" if n == size - 1 else "qualified"
            )
            if n % 2:
                InterviewerProfile.objects.create(user=user, weekly_limit=5)
        template = make_template(job, QUOTAS, session_count=2, session_minutes=60)
        template.interviewer_pool = pool
        template.trainees_per_session = 1
        template.save()
        with django_assert_max_num_queries(40) as queries:
            loop_generate(
                actor=hiring_manager,
                candidate_id=CandidateFactory().pk,
                template_id=template.pk,
                seed=1,
            )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_naming_interviewers_not_qualified_in_the_templates_pool_says_so(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    # Named interviewers are seated as named (API.md v1), but a hiring manager who names a
    # shadow of the template's pool, or someone outside it, is told who is not qualified there.
    shadows = [u.pk for u in interviewer_pool[6:]]
    named = [u.pk for u in interviewer_pool[:2]] + shadows
    response = _generate(client_for(hiring_manager), pool_template, candidate, interviewers=named)
    assert response.status_code == 201, response.json()
    body = response.json()
    seated = {u for session in body["sessions"] for u in session["interviewers"]}
    assert seated & set(shadows), "the test needs a shadow seated"
    warning = [n for n in body["balance"]["notes"] if "not qualified" in n.lower()]
    assert len(warning) == 1, body["balance"]["notes"]
    assert all(f"user {u}" in warning[0] for u in seated & set(shadows))
    assert all(f"user {u}" not in warning[0] for u in named[:2])


def test_naming_only_qualified_interviewers_adds_no_such_note(
    client_for, hiring_manager, pool_template, candidate, interviewer_pool
):
    named = [u.pk for u in interviewer_pool[:4]]
    response = _generate(client_for(hiring_manager), pool_template, candidate, interviewers=named)
    assert response.status_code == 201, response.json()
    assert not [n for n in response.json()["balance"]["notes"] if "not qualified" in n.lower()]
