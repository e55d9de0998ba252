"""The attacks of the security review, each as a test (issue 11): a hiring manager with a valid
account acting on another hiring manager's job. Every one of these succeeded before job teams.

Harry is a hiring manager with a job of his own; Hannah's job, template and loop are not his.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from interviews.models import Job, Loop, LoopTemplate
from scoring.scorecards.models import Scorecard
from tests.factories import (
    CriterionRatingFactory,
    InterviewSessionFactory,
    JobFactory,
    LoopFactory,
    LoopTemplateFactory,
    ScorecardFactory,
    SessionInterviewerFactory,
    UserFactory,
)
from tests.scoring.calibration_report_helpers import REPORTS_URL, run_report_inline

pytestmark = pytest.mark.django_db


@pytest.fixture
def harry(db):
    user = UserFactory(username="harry_hm")
    user.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    JobFactory(hiring_manager=user, title="Harry's own job")
    return user


@pytest.fixture
def hannahs_job(hiring_manager):
    return JobFactory(hiring_manager=hiring_manager, title="Hannah's job")


@pytest.fixture
def hannahs_loop(hannahs_job):
    return LoopFactory(template=LoopTemplateFactory(job=hannahs_job), status="completed")


def test_another_hiring_manager_cannot_rename_or_take_over_the_job(harry, hannahs_job, client_for):
    client = client_for(harry)

    renamed = client.patch(f"/api/v1/jobs/{hannahs_job.pk}/", {"title": "Mine"}, format="json")
    taken = client.patch(
        f"/api/v1/jobs/{hannahs_job.pk}/", {"hiring_manager": harry.pk}, format="json"
    )

    assert (renamed.status_code, taken.status_code) == (404, 404)
    hannahs_job.refresh_from_db()
    assert (hannahs_job.title, hannahs_job.hiring_manager.username) == ("Hannah's job", "hannah_hm")


def test_another_hiring_manager_cannot_delete_the_job(harry, hannahs_job, client_for):
    assert client_for(harry).delete(f"/api/v1/jobs/{hannahs_job.pk}/").status_code == 404
    assert Job.objects.filter(pk=hannahs_job.pk).exists()


def test_another_hiring_manager_cannot_cancel_the_loop(harry, hannahs_loop, client_for):
    hannahs_loop.status = "scheduled"
    hannahs_loop.save()

    response = client_for(harry).post(f"/api/v1/loops/{hannahs_loop.pk}/cancel/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Loop.objects.get(pk=hannahs_loop.pk).status == "scheduled"


def test_another_hiring_manager_cannot_decide_the_loop(harry, hannahs_loop, client_for):
    response = client_for(harry).post(
        f"/api/v1/loops/{hannahs_loop.pk}/decision/",
        {"decision": "no_hire", "note": "Sabotage."},
        format="json",
    )

    assert response.status_code == 404
    assert Loop.objects.get(pk=hannahs_loop.pk).decision == ""


def test_another_hiring_manager_cannot_add_himself_to_the_team(harry, hannahs_job, client_for):
    response = client_for(harry).post(
        f"/api/v1/jobs/{hannahs_job.pk}/team/",
        {"user": harry.pk, "role": "hiring_manager"},
        format="json",
    )

    assert response.status_code == 404
    assert not hannahs_job.team_members.filter(user=harry).exists()


def test_another_hiring_manager_cannot_hang_a_template_on_the_job(
    harry, hannahs_job, client_for, seed_bank
):
    body = {
        "name": "Trojan",
        "job": hannahs_job.pk,
        "level_quotas": {"beginner": 1},
        "session_count": 1,
        "session_minutes": 30,
    }
    response = client_for(harry).post("/api/v1/loop-templates/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["job"]
    assert not LoopTemplate.objects.filter(name="Trojan").exists()


def test_another_hiring_manager_cannot_move_his_template_onto_the_job(
    harry, hannahs_job, client_for
):
    own = LoopTemplateFactory(job=Job.objects.get(hiring_manager=harry))
    response = client_for(harry).patch(
        f"/api/v1/loop-templates/{own.pk}/", {"job": hannahs_job.pk}, format="json"
    )

    assert response.status_code == 400
    assert LoopTemplate.objects.get(pk=own.pk).job.hiring_manager == harry


def test_another_hiring_manager_reads_no_scorecard_of_the_job(
    harry, hannahs_loop, interviewer, client_for
):
    session = InterviewSessionFactory(loop=hannahs_loop)
    SessionInterviewerFactory(session=session, interviewer=interviewer)
    card = ScorecardFactory(
        session=session,
        interviewer=interviewer,
        status="submitted",
        overall_recommendation="yes",
        submitted_at=hannahs_loop.created_at,
    )

    client = client_for(harry)
    assert client.get(f"/api/v1/scorecards/{card.pk}/").status_code == 404
    assert client.get("/api/v1/scorecards/").json()["count"] == 0


# --- calibration reports ------------------------------------------------------------------------


def _submitted_cards(job: Job, interviewers: list, candidates: int = 2) -> None:
    """`candidates` completed loops of `job`, each rated by every interviewer on one criterion."""
    template = LoopTemplateFactory(job=job)
    for _ in range(candidates):
        loop = LoopFactory(template=template, status="completed")
        for user in interviewers:
            session = InterviewSessionFactory(loop=loop)
            SessionInterviewerFactory(session=session, interviewer=user)
            card = ScorecardFactory(
                session=session,
                interviewer=user,
                status="submitted",
                overall_recommendation="yes",
                submitted_at=loop.created_at,
            )
            CriterionRatingFactory(scorecard=card, rating=3)


def test_a_hiring_managers_report_covers_only_the_jobs_of_his_teams(
    harry, hiring_manager, interviewer, other_interviewer, client_for
):
    _submitted_cards(Job.objects.get(hiring_manager=harry), [interviewer, other_interviewer], 2)
    _submitted_cards(JobFactory(hiring_manager=hiring_manager), [interviewer, other_interviewer], 3)

    response = client_for(harry).post(REPORTS_URL, {"filters": {}}, format="json")
    report = run_report_inline(response.json()["id"])

    assert report.status == "succeeded", report.error
    assert report.result["summary"]["scorecards"] == 4
    assert Scorecard.objects.count() == 10


def test_a_hiring_manager_cannot_calibrate_another_managers_job(harry, hannahs_job, client_for):
    response = client_for(harry).post(
        REPORTS_URL, {"filters": {"job": hannahs_job.pk}}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["filters.job"]
    assert f"not on the team of job {hannahs_job.pk}" in response.json()["message"]


def test_a_hiring_manager_cannot_read_an_organisation_wide_report(
    harry, recruiter, client_for, interviewer, other_interviewer
):
    _submitted_cards(JobFactory(), [interviewer, other_interviewer], 2)
    response = client_for(recruiter).post(REPORTS_URL, {"filters": {}}, format="json")
    report = run_report_inline(response.json()["id"])

    client = client_for(harry)
    assert client.get(f"{REPORTS_URL}{report.pk}/").status_code == 404
    assert client.get(f"{REPORTS_URL}{report.pk}/export/?format=csv").status_code == 404
    assert client.get(REPORTS_URL).json()["count"] == 0
