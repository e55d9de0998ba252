"""Two generations for one candidate at the same moment never hand out the same question twice
(real PostgreSQL, two connections)."""

import threading
import time

import pytest
from django.db import connection

from interviews.models import SessionQuestion
from interviews.services import loops as services  # loop_generate reads bank_questions here
from tests.interviews.conftest import make_template

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_threads_generating_for_one_candidate_share_no_question(
    seed_bank, job, candidate, interviewer_pool, hiring_manager, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # 5 beginner questions, 2 per loop: two loops fit without sharing one.
    template = make_template(job, {"beginner": 2}, session_count=1)
    real_bank_questions = services.bank_questions

    def slow_bank_questions(**kwargs):
        # Widen the window between reading what the candidate met and writing the new loop,
        # so that without the candidate's row lock both threads would read the same history.
        time.sleep(0.3)
        return real_bank_questions(**kwargs)

    monkeypatch.setattr(services, "bank_questions", slow_bank_questions)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def generate() -> None:
        try:
            barrier.wait()
            loop = services.loop_generate(
                actor=hiring_manager,
                candidate_id=candidate.pk,
                template_id=template.pk,
                interviewer_ids=[u.pk for u in interviewer_pool],
                seed=1,  # the same seed: without the lock both would pick the same questions
            )
            outcomes.append(loop.pk)
        except Exception as exc:  # reported below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert len(outcomes) == 2
    asked = list(
        SessionQuestion.objects.filter(loop__candidate=candidate).values_list(
            "question_id", flat=True
        )
    )
    assert len(asked) == 4
    assert len(set(asked)) == 4
