"""Through the API: many loops from one template and a pool of 8 interviewers even out question
exposure within each level and interviewer load."""

from collections import Counter

import pytest
from django.db.models import Count

from interviews.models import SessionInterviewer, SessionQuestion
from questionbank.models import Question
from tests.factories import CandidateFactory
from tests.interviews.conftest import SEED_QUOTAS

pytestmark = pytest.mark.django_db


def test_twenty_four_loops_even_out_exposure_and_load(generate, interviewer_pool):
    for seed in range(24):
        assert generate(candidate=CandidateFactory().pk, seed=seed).status_code == 201

    exposure = dict(
        SessionQuestion.objects.values("question_id")
        .annotate(n=Count("id"))
        .values_list("question_id", "n")
    )
    for level in SEED_QUOTAS:
        counts = [
            exposure.get(q, 0)
            for q in Question.objects.filter(level_id=level).values_list("id", flat=True)
        ]
        assert max(counts) - min(counts) <= 1, (level, counts)

    load = Counter(SessionInterviewer.objects.values_list("interviewer_id", flat=True))
    assert set(load) == {u.pk for u in interviewer_pool}
    assert max(load.values()) - min(load.values()) <= 1
