"""Fixtures for the planning tests: a template on the real bank and a pool of interviewers."""

import pytest
from django.contrib.auth.models import Group

from interviews.models import LevelQuota, LoopTemplate
from tests.factories import CandidateFactory, JobFactory, UserFactory

# 10 questions over 4 sessions of 60 minutes, drawing on every level of the seed bank.
SEED_QUOTAS = {
    "beginner": 1,
    "intermediate": 2,
    "advanced": 2,
    "scenario-based": 2,
    "ai-workflow-tools": 2,
    "behavioral": 1,
}


@pytest.fixture
def interviewer_pool(db, interviewer, other_interviewer):
    """Eight active interviewers: the two named ones and six more."""
    group = Group.objects.get_or_create(name="interviewer")[0]
    extra = [UserFactory(username=f"pool_interviewer_{n}") for n in range(6)]
    for user in extra:
        user.groups.add(group)
    return [interviewer, other_interviewer, *extra]


@pytest.fixture
def job(hiring_manager):
    return JobFactory(title="AI North Star Metric Analyst", hiring_manager=hiring_manager)


def make_template(job, quotas, *, session_count=4, session_minutes=60, interviewers_per_session=1):
    template = LoopTemplate.objects.create(
        name="Onsite",
        job=job,
        session_count=session_count,
        session_minutes=session_minutes,
        interviewers_per_session=interviewers_per_session,
    )
    LevelQuota.objects.bulk_create(
        LevelQuota(template=template, level_id=slug, count=n) for slug, n in quotas.items()
    )
    return template


@pytest.fixture
def onsite_template(seed_bank, job):
    return make_template(job, SEED_QUOTAS)


@pytest.fixture
def candidate(db):
    return CandidateFactory(name="Cora Candidate", email="cora@example.com", external_id="ats-1")


@pytest.fixture
def generate(client_for, hiring_manager, onsite_template, interviewer_pool, candidate):
    """generate(**overrides) -> the response of POST /api/v1/loops/ by the hiring manager."""

    def post(**overrides):
        body = {
            "candidate": candidate.pk,
            "template": onsite_template.pk,
            "interviewers": [u.pk for u in interviewer_pool],
            "seed": 7,
        }
        body.update(overrides)
        return client_for(hiring_manager).post("/api/v1/loops/", body, format="json")

    return post
