"""The job team endpoints (API.md additions, Hiring teams): who is on it from the start, adding,
removing, and what the team's hiring manager may not lose."""

import pytest
from django.contrib.auth.models import Group

from interviews.models import JobTeamMember
from tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def _team(client, job_id: int) -> list[dict]:
    return [
        {"user": row["user"], "role": row["role"]}
        for row in client.get(f"/api/v1/jobs/{job_id}/team/").json()["results"]
    ]


def test_opening_a_job_puts_its_hiring_manager_on_the_team(client_for, hiring_manager):
    client = client_for(hiring_manager)
    job = client.post("/api/v1/jobs/", {"title": "Analyst"}, format="json").json()

    assert _team(client, job["id"]) == [{"user": hiring_manager.pk, "role": "hiring_manager"}]


def test_opening_a_job_for_someone_else_keeps_the_opener_as_coordinator(client_for, hiring_manager):
    colleague = UserFactory(username="helen_hm")
    colleague.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    client = client_for(hiring_manager)
    job = client.post(
        "/api/v1/jobs/", {"title": "Analyst", "hiring_manager": colleague.pk}, format="json"
    ).json()

    assert _team(client, job["id"]) == [
        {"user": colleague.pk, "role": "hiring_manager"},
        {"user": hiring_manager.pk, "role": "coordinator"},
    ]


def test_handing_a_job_over_puts_the_new_hiring_manager_on_the_team(
    client_for, hiring_manager, admin_user
):
    job = JobFactory(hiring_manager=hiring_manager)
    successor = UserFactory(username="helen_hm")
    successor.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])

    response = client_for(hiring_manager).patch(
        f"/api/v1/jobs/{job.pk}/", {"hiring_manager": successor.pk}, format="json"
    )

    assert response.status_code == 200
    assert JobTeamMember.objects.get(job=job, user=successor).role == "hiring_manager"
    # The successor now manages the team: they may take the predecessor off it.
    removed = client_for(successor).delete(f"/api/v1/jobs/{job.pk}/team/{hiring_manager.pk}/")
    assert removed.status_code == 204
    assert client_for(hiring_manager).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


def test_the_same_user_twice_is_a_409(client_for, hiring_manager, recruiter):
    job = JobFactory(hiring_manager=hiring_manager)
    client = client_for(hiring_manager)
    body = {"user": recruiter.pk, "role": "recruiter"}

    assert client.post(f"/api/v1/jobs/{job.pk}/team/", body, format="json").status_code == 201
    again = client.post(
        f"/api/v1/jobs/{job.pk}/team/", {**body, "role": "coordinator"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["fields"]["user"][0].startswith(
        f"User {recruiter.pk} is already on the team of job {job.pk} as recruiter"
    )


def test_the_jobs_hiring_manager_cannot_be_removed(client_for, hiring_manager, admin_user):
    job = JobFactory(hiring_manager=hiring_manager)

    response = client_for(admin_user).delete(f"/api/v1/jobs/{job.pk}/team/{hiring_manager.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "team_hiring_manager"
    assert JobTeamMember.objects.filter(job=job, user=hiring_manager).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"user": 999999, "role": "recruiter"}, "user"),
        ({"user": "2", "role": "recruiter"}, "user"),
        ({"role": "recruiter"}, "user"),
        ({"user": 1, "role": "owner"}, "role"),
        ({"user": 1}, "role"),
    ],
)
def test_bad_team_member_input_is_a_400_naming_the_field(client_for, hiring_manager, body, field):
    job = JobFactory(hiring_manager=hiring_manager)
    response = client_for(hiring_manager).post(f"/api/v1/jobs/{job.pk}/team/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_deactivated_user_cannot_join(client_for, hiring_manager):
    job = JobFactory(hiring_manager=hiring_manager)
    gone = UserFactory(username="gone", is_active=False)
    response = client_for(hiring_manager).post(
        f"/api/v1/jobs/{job.pk}/team/", {"user": gone.pk, "role": "coordinator"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_team_member"


def test_removing_someone_not_on_the_team_is_a_404(client_for, hiring_manager, recruiter):
    job = JobFactory(hiring_manager=hiring_manager)
    response = client_for(hiring_manager).delete(f"/api/v1/jobs/{job.pk}/team/{recruiter.pk}/")
    assert response.status_code == 404


def test_a_coordinator_without_any_global_role_plans_the_job(client_for, hiring_manager):
    job = JobFactory(hiring_manager=hiring_manager)
    coordinator = UserFactory(username="colin_coordinator")
    JobTeamMember.objects.create(job=job, user=coordinator, role="coordinator")
    client = client_for(coordinator)

    assert client.get("/api/v1/jobs/").json()["count"] == 1
    renamed = client.patch(f"/api/v1/jobs/{job.pk}/", {"title": "Renamed"}, format="json")
    assert renamed.status_code == 200
    assert client.get("/api/v1/candidates/").status_code == 403  # candidates: global roles


def test_team_list_query_count_does_not_grow(
    client_for, hiring_manager, django_assert_max_num_queries
):
    job = JobFactory(hiring_manager=hiring_manager)
    for _ in range(15):
        JobTeamMember.objects.create(job=job, user=UserFactory(), role="coordinator")
    client = client_for(hiring_manager)
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/jobs/{job.pk}/team/").json()["count"] == 16
