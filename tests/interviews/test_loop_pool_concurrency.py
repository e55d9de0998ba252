"""Two generations at the same moment that would each take the last session of one
interviewer's week: one takes it, the other staffs someone else; never both (real PostgreSQL,
two connections, the weekly limits' row locks)."""

import threading
import time

import pytest
from django.db import connection

from interviews.models import (
    InterviewerPool,
    InterviewerProfile,
    Loop,
    PoolMember,
    SessionInterviewer,
)
from interviews.services import loops as services
from tests.factories import CandidateFactory
from tests.interviews.conftest import make_template

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_generations_never_both_take_the_last_slot(
    seed_bank, job, interviewer, other_interviewer, hiring_manager, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    pool = InterviewerPool.objects.create(name="Onsite")
    PoolMember.objects.create(pool=pool, user=interviewer, status="qualified")
    PoolMember.objects.create(pool=pool, user=other_interviewer, status="qualified")
    # Ivan has one session left this week and is the least loaded, so both want him.
    InterviewerProfile.objects.create(user=interviewer, weekly_limit=1)
    template = make_template(job, {"beginner": 1}, session_count=1)
    template.interviewer_pool = pool
    template.save()
    busy = Loop.objects.create(candidate=CandidateFactory(), template=template, seed=1)
    session = busy.sessions.create(order=1, duration_minutes=60)
    SessionInterviewer.objects.create(session=session, loop=busy, interviewer=other_interviewer)
    candidates = [CandidateFactory().pk, CandidateFactory().pk]
    real_bank_questions = services.bank_questions

    def slow_bank_questions(**kwargs):
        # Widen the window between counting the week's sessions and writing the new seat, so
        # that without the row locks both generations would count Ivan's week as not full.
        time.sleep(0.3)
        return real_bank_questions(**kwargs)

    monkeypatch.setattr(services, "bank_questions", slow_bank_questions)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def generate(candidate_id: int) -> None:
        try:
            barrier.wait()
            loop = services.loop_generate(
                actor=hiring_manager, candidate_id=candidate_id, template_id=template.pk, seed=1
            )
            outcomes.append(loop.pk)
        except Exception as exc:  # reported below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate, args=(c,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert all(isinstance(o, int) for o in outcomes), outcomes
    seats = list(
        SessionInterviewer.objects.filter(loop_id__in=outcomes).values_list(
            "interviewer_id", flat=True
        )
    )
    assert sorted(seats) == sorted([interviewer.pk, other_interviewer.pk])
