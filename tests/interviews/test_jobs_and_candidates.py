"""/api/v1/jobs/ and /api/v1/candidates/: who writes, who reads, who sees e-mail addresses."""

import pytest

from interviews.models import Candidate, Job
from tests.factories import CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db


def test_hiring_manager_opens_a_job_they_manage_by_default(client_for, hiring_manager):
    response = client_for(hiring_manager).post(
        "/api/v1/jobs/", {"title": "Metrics lead", "seniority": "staff"}, format="json"
    )
    assert response.status_code == 201
    job = Job.objects.get()
    assert response.json() == {
        "id": job.pk,
        "title": "Metrics lead",
        "seniority": "staff",
        "hiring_manager": hiring_manager.pk,
        "created_at": job.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_job_needs_a_hiring_manager(client_for, admin_user, interviewer):
    response = client_for(admin_user).post(
        "/api/v1/jobs/", {"title": "Metrics lead", "hiring_manager": interviewer.pk}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "hiring_manager": [f"User {interviewer.pk} is not an active hiring manager."]
    }


@pytest.mark.parametrize("role", ["recruiter", "interviewer", "outsider"])
def test_only_hiring_managers_and_admins_write_jobs(request, role, client_for):
    user = request.getfixturevalue(role)
    assert client_for(user).post("/api/v1/jobs/", {"title": "x"}).status_code == 403


def test_job_patch_and_delete(client_for, hiring_manager):
    job = JobFactory(hiring_manager=hiring_manager)
    client = client_for(hiring_manager)
    patched = client.patch(f"/api/v1/jobs/{job.pk}/", {"title": "Renamed"}, format="json")
    assert patched.json()["title"] == "Renamed"
    assert client.delete(f"/api/v1/jobs/{job.pk}/").status_code == 204
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "admin_user"])
def test_recruiters_and_hiring_managers_add_candidates(request, role, client_for):
    user = request.getfixturevalue(role)
    response = client_for(user).post(
        "/api/v1/candidates/",
        {"name": "Cora", "email": "cora@example.com", "external_id": "ats-9"},
        format="json",
    )
    assert response.status_code == 201
    candidate = Candidate.objects.get()
    assert response.json() == {
        "id": candidate.pk,
        "name": "Cora",
        "email": "cora@example.com",
        "external_id": "ats-9",
        "created_at": candidate.created_at.isoformat().replace("+00:00", "Z"),
        "erased_at": None,
    }


def test_interviewers_cannot_add_candidates(client_for, interviewer):
    response = client_for(interviewer).post("/api/v1/candidates/", {"name": "Cora"})
    assert response.status_code == 403


def test_external_ids_are_unique(client_for, recruiter):
    CandidateFactory(external_id="ats-9")
    response = client_for(recruiter).post(
        "/api/v1/candidates/", {"name": "Cora", "external_id": "ats-9"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "external_id": ["Another candidate already has external id 'ats-9'."]
    }


def test_interviewers_see_only_their_loops_candidates_and_no_email(
    generate, candidate, client_for, interviewer_pool
):
    body = generate().json()
    seated = {u for s in body["sessions"] for u in s["interviewers"]}
    CandidateFactory(name="Someone else")
    inside = next(u for u in interviewer_pool if u.pk in seated)
    outside = next(u for u in interviewer_pool if u.pk not in seated)

    listed = client_for(inside).get("/api/v1/candidates/").json()["results"]
    assert listed == [
        {
            "id": candidate.pk,
            "name": "Cora Candidate",
            "external_id": "ats-1",
            "created_at": candidate.created_at.isoformat().replace("+00:00", "Z"),
            "erased_at": None,
        }
    ]
    assert client_for(outside).get("/api/v1/candidates/").json()["results"] == []
    assert client_for(outside).get(f"/api/v1/candidates/{candidate.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "admin_user"])
def test_planners_see_every_candidate_with_email(request, role, candidate, client_for):
    CandidateFactory()
    results = client_for(request.getfixturevalue(role)).get("/api/v1/candidates/").json()
    assert len(results["results"]) == 2
    assert results["results"][0]["email"] == "cora@example.com"


def test_candidate_list_query_count_does_not_grow(
    client_for, recruiter, django_assert_max_num_queries
):
    CandidateFactory.create_batch(30)
    client = client_for(recruiter)
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/candidates/", {"page_size": 200}).json()["results"]) == 30


@pytest.mark.parametrize("reader", ["recruiter", "hiring_manager"])
def test_job_list_query_count_does_not_grow(
    request, reader, client_for, hiring_manager, django_assert_max_num_queries
):
    JobFactory.create_batch(20, hiring_manager=hiring_manager)
    client = client_for(request.getfixturevalue(reader))
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/jobs/").json()["count"] == 20


def test_candidate_in_a_loop_cannot_be_deleted(generate, candidate, client_for, recruiter):
    generate()
    response = client_for(recruiter).delete(f"/api/v1/candidates/{candidate.pk}/")
    assert response.status_code == 409


def test_candidate_patch(candidate, client_for, recruiter):
    response = client_for(recruiter).patch(
        f"/api/v1/candidates/{candidate.pk}/", {"email": "new@example.com"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
