"""What generate_synthetic_data writes, the API can show: its loops read back with a balance in
the generator's shape (it once wrote `{}`, and GET /loops/ answered 500)."""

from collections import Counter

import pytest

from interviews.models import Loop
from questionbank.models import Question
from tests.scoring.calibration_report_helpers import synthetic_hiring_data

pytestmark = pytest.mark.django_db


def test_an_admin_lists_and_reads_synthetic_loops(client_for, admin_user):
    synthetic_hiring_data(candidates=6, interviewers=8, seed=31)
    client = client_for(admin_user)

    listed = client.get("/api/v1/loops/")
    loop_id = Loop.objects.order_by("id").values_list("id", flat=True).first()
    detail = client.get(f"/api/v1/loops/{loop_id}/")

    assert listed.status_code == 200, listed.content
    assert len(listed.json()["results"]) == 6
    assert detail.status_code == 200, detail.content
    assert detail.json() == next(r for r in listed.json()["results"] if r["id"] == loop_id)


def test_a_synthetic_balance_counts_the_loop_s_own_questions(client_for, admin_user):
    synthetic_hiring_data(candidates=4, interviewers=8, seed=32)

    for loop in client_for(admin_user).get("/api/v1/loops/").json()["results"]:
        asked = [q["question"] for s in loop["sessions"] for q in s["questions"]]
        questions = Question.objects.filter(pk__in=asked).prefetch_related("competencies")
        assert loop["balance"]["per_level"] == dict(Counter(q.level_id for q in questions))
        assert loop["balance"]["competencies_covered"] == sorted(
            {c.slug for q in questions for c in q.competencies.all()}
        )
        assert loop["balance"]["notes"] == [
            "Synthetic loop: its questions were drawn at random from the bank, not generated."
        ]
        assert len(asked) == len(set(asked)) == 8
