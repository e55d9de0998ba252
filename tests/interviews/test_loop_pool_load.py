"""300 loops from one pool of 10 qualified interviewers, over six weeks: nobody goes over their
weekly limit in any week, and within each week the session counts of those below their limit
differ by at most one (the generator balances the week's load first)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from interviews.models import InterviewerPool, InterviewerProfile, PoolMember, SessionInterviewer
from interviews.selectors import iso_week_bounds
from interviews.services import loop_generate
from tests.factories import CandidateFactory, UserFactory
from tests.interviews.conftest import make_template

pytestmark = pytest.mark.django_db

LIMITS = [4, 6, 8, 10, 12, 15, 20, None, None, None]
WEEKS = 6
LOOPS_PER_WEEK = 50


def test_300_loops_keep_every_weekly_limit_and_balance_the_rest(seed_bank, job, hiring_manager):
    group = Group.objects.get_or_create(name="interviewer")[0]
    pool = InterviewerPool.objects.create(name="Onsite")
    limits = {}
    for n, limit in enumerate(LIMITS):
        user = UserFactory(username=f"qualified_{n}")
        user.groups.add(group)
        PoolMember.objects.create(pool=pool, user=user, status="qualified")
        if limit is not None:
            InterviewerProfile.objects.create(user=user, weekly_limit=limit)
        limits[user.pk] = limit
    template = make_template(job, {"beginner": 1, "intermediate": 1}, session_count=2)
    template.interviewer_pool = pool
    template.save()
    monday = datetime(2027, 1, 4, 8, tzinfo=UTC)

    for week in range(WEEKS):
        for n in range(LOOPS_PER_WEEK):
            loop_generate(
                actor=hiring_manager,
                candidate_id=CandidateFactory().pk,
                template_id=template.pk,
                seed=week * 1000 + n,
                now=monday + timedelta(days=7 * week, minutes=n),
            )

    counts: dict[datetime, Counter] = {}
    for user_id, created_at in SessionInterviewer.objects.values_list(
        "interviewer_id", "loop__created_at"
    ):
        counts.setdefault(iso_week_bounds(created_at)[0], Counter())[user_id] += 1
    assert len(counts) == WEEKS
    for week_counts in counts.values():
        assert sum(week_counts.values()) == LOOPS_PER_WEEK * 2
        for user_id, limit in limits.items():
            assert limit is None or week_counts[user_id] <= limit
        below_limit = [
            week_counts[user_id]
            for user_id, limit in limits.items()
            if limit is None or week_counts[user_id] < limit
        ]
        assert max(below_limit) - min(below_limit) <= 1
