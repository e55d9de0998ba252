"""GET /interviewers/ and PATCH /interviewers/{id}/: who may interview, their weekly limit and
their sessions this week (API.md, Interviewer pools, training and load; pools come later)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.models import AuditEvent
from interviews.models import InterviewerProfile, Loop
from interviews.selectors import interviewer_list
from tests.factories import LoopFactory, SessionInterviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/interviewers/"


def _seat(user, *, scheduled_at=None, loop_created_at=None, status=Loop.Status.SCHEDULED):
    loop = LoopFactory(status=status, created_at=loop_created_at or timezone.now())
    return SessionInterviewerFactory(
        interviewer=user, session__loop=loop, session__scheduled_at=scheduled_at
    )


def _interviewers(n: int, prefix: str = "pool") -> list:
    group = Group.objects.get_or_create(name="interviewer")[0]
    users = [UserFactory(username=f"{prefix}_{i}") for i in range(n)]
    for user in users:
        user.groups.add(group)
    return users


# --- who may read and write ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hiring_manager", "recruiter", "admin_user"])
def test_planners_list_interviewers(request, client_for, who, interviewer):
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200, response.content
    assert interviewer.pk in [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("who", ["interviewer", "outsider"])
def test_interviewers_and_outsiders_may_not_list_interviewers(request, client_for, who):
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["recruiter", "interviewer", "outsider"])
def test_only_hiring_managers_and_admins_set_a_weekly_limit(request, client_for, who, interviewer):
    response = client_for(request.getfixturevalue(who)).patch(
        f"{URL}{interviewer.pk}/", {"weekly_limit": 3}, format="json"
    )
    assert response.status_code == 403
    assert not InterviewerProfile.objects.exists()


# --- what the list shows ------------------------------------------------------------------------


def test_the_list_holds_active_users_who_may_be_assigned_once_each(
    client_for, hiring_manager, interviewer, recruiter, outsider, admin_user
):
    retired = _interviewers(1, "retired")[0]
    retired.is_active = False
    retired.save()
    # In both assignable roles: listed once.
    interviewer.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])

    body = client_for(recruiter).get(URL).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [hiring_manager.pk, interviewer.pk]
    assert body["results"][1] == {
        "id": interviewer.pk,
        "username": "ivan_interviewer",
        "weekly_limit": None,
        "sessions_this_week": 0,
        "pools": [],
    }


def test_search_matches_part_of_the_username(client_for, hiring_manager, interviewer):
    _interviewers(3)
    body = client_for(hiring_manager).get(URL, {"search": "POOL_"}).json()
    assert [row["username"] for row in body["results"]] == ["pool_0", "pool_1", "pool_2"]
    assert client_for(hiring_manager).get(URL, {"search": ""}).json()["count"] == 5


def test_sessions_this_week_count_the_current_iso_week(client_for, hiring_manager, interviewer):
    today = timezone.now().astimezone(UTC).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    _seat(interviewer, scheduled_at=monday + timedelta(hours=9))  # counts
    _seat(interviewer, scheduled_at=monday + timedelta(days=8))  # next week
    _seat(interviewer, scheduled_at=monday - timedelta(days=3))  # last week
    _seat(interviewer, scheduled_at=None)  # no time yet, loop created now: counts
    _seat(interviewer, scheduled_at=monday + timedelta(hours=10), status=Loop.Status.CANCELLED)
    _seat(interviewer, scheduled_at=monday + timedelta(hours=11), status=Loop.Status.COMPLETED)

    rows = client_for(hiring_manager).get(URL).json()["results"]

    assert {row["id"]: row["sessions_this_week"] for row in rows} == {
        hiring_manager.pk: 0,
        interviewer.pk: 3,
    }


def test_week_bounds_are_monday_to_monday_utc(interviewer):
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    _seat(interviewer, scheduled_at=monday)  # first instant of the week: counts
    _seat(interviewer, scheduled_at=monday - timedelta(microseconds=1))  # Sunday night: no
    _seat(interviewer, scheduled_at=monday + timedelta(days=7) - timedelta(microseconds=1))  # yes
    _seat(interviewer, scheduled_at=monday + timedelta(days=7))  # next Monday: no
    # Unscheduled sessions count in the week their loop was created.
    _seat(interviewer, loop_created_at=monday + timedelta(days=6, hours=23))  # yes
    _seat(interviewer, loop_created_at=monday - timedelta(seconds=1))  # no
    # A time zone east of UTC: Monday 00:30 in +02:00 is still Sunday in UTC.
    east = timezone.get_fixed_timezone(120)
    _seat(interviewer, scheduled_at=datetime(2026, 11, 30, 0, 30, tzinfo=east))  # no

    row = interviewer_list(now=now).get(pk=interviewer.pk)

    assert row.sessions_this_week == 3


def test_a_page_costs_the_same_queries_however_many_interviewers(
    client_for, hiring_manager, django_assert_max_num_queries
):
    client = client_for(hiring_manager)
    client.get(URL)  # warm the token and roles
    with django_assert_max_num_queries(5) as small:
        assert client.get(URL).status_code == 200
    for user in _interviewers(30):
        _seat(user, scheduled_at=None)
        InterviewerProfile.objects.create(user=user, weekly_limit=4)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(URL).json()
    assert body["count"] == 31
    assert {row["sessions_this_week"] for row in body["results"][1:]} == {1}
    assert {row["weekly_limit"] for row in body["results"][1:]} == {4}


# --- the weekly limit ---------------------------------------------------------------------------


def test_a_hiring_manager_sets_and_lifts_a_weekly_limit(client_for, hiring_manager, interviewer):
    client = client_for(hiring_manager)
    url = f"{URL}{interviewer.pk}/"

    response = client.patch(url, {"weekly_limit": 3}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["weekly_limit"] == 3
    assert InterviewerProfile.objects.get(user=interviewer).weekly_limit == 3
    listed = client.get(URL).json()["results"]
    assert {r["id"]: r["weekly_limit"] for r in listed}[interviewer.pk] == 3

    response = client.patch(url, {"weekly_limit": None}, format="json")
    assert response.status_code == 200
    assert response.json()["weekly_limit"] is None
    assert list(
        AuditEvent.objects.filter(action="interviewer.weekly_limit_set")
        .order_by("id")
        .values_list("changes", flat=True)
    ) == [{"weekly_limit": [None, 3]}, {"weekly_limit": [3, None]}]


def test_an_admin_sets_a_weekly_limit(client_for, admin_user, interviewer):
    response = client_for(admin_user).patch(
        f"{URL}{interviewer.pk}/", {"weekly_limit": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["weekly_limit"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"weekly_limit": 0},
        {"weekly_limit": -2},
        {"weekly_limit": "3"},
        {"weekly_limit": 2.5},
        {"weekly_limit": True},
        {},
    ],
)
def test_a_bad_weekly_limit_is_a_400_naming_the_field(
    client_for, hiring_manager, interviewer, body
):
    response = client_for(hiring_manager).patch(f"{URL}{interviewer.pk}/", body, format="json")
    assert response.status_code == 400
    assert "weekly_limit" in response.json()["fields"]
    assert not InterviewerProfile.objects.exists()


def test_someone_who_may_not_interview_is_a_404(client_for, hiring_manager, recruiter):
    response = client_for(hiring_manager).patch(
        f"{URL}{recruiter.pk}/", {"weekly_limit": 3}, format="json"
    )
    assert response.status_code == 404
    assert not InterviewerProfile.objects.exists()
