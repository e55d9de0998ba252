"""The admin site's job page keeps the API's rule that a job's hiring manager is on its team
(API.md additions, hiring teams): the hiring manager is not changed there, and jobs are not
opened there (a job opened or handed over without its team entry locks its hiring manager out
of their own job)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from interviews.models import Job, JobTeamMember
from tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    root = User.objects.create_superuser("root", "root@example.com", "root passphrase 42")
    client = Client()
    client.force_login(root)
    return client


def test_the_hiring_manager_is_not_changed_on_the_job_page(site, hiring_manager):
    job = JobFactory(hiring_manager=hiring_manager)
    other = UserFactory(username="otto_other_hm")
    response = site.post(
        f"/admin/interviews/job/{job.pk}/change/",
        {
            "title": "Renamed",
            "seniority": job.seniority,
            "hiring_manager": other.pk,
            "created_at_0": job.created_at.strftime("%Y-%m-%d"),
            "created_at_1": job.created_at.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    job.refresh_from_db()
    assert job.title == "Renamed"
    assert job.hiring_manager_id == hiring_manager.pk
    assert not JobTeamMember.objects.filter(job=job, user=other).exists()


def test_jobs_are_not_opened_on_the_admin_site(site, hiring_manager):
    assert site.get("/admin/interviews/job/add/").status_code == 403
    response = site.post(
        "/admin/interviews/job/add/",
        {"title": "Sneaky", "seniority": "senior", "hiring_manager": hiring_manager.pk},
    )
    assert response.status_code == 403
    assert not Job.objects.filter(title="Sneaky").exists()
