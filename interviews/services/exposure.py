"""Question exposure counters (`QuestionExposure`): kept by the writes that add, swap or cancel a
loop's questions, in their transaction, so a generation reads each question's exposure instead of
counting the whole history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import Count

from interviews.models import Loop, QuestionExposure, SessionQuestion


def question_exposure_add(changes: Mapping[int, int]) -> None:
    """Add `changes` ({question id: +n or -n loops}) to the questions' exposure counters, creating
    the missing ones. One statement, rows in question id order: two writes that touch the same
    questions lock their counters in the same order, so the second waits for the first's commit
    instead of deadlocking. Precondition: inside the transaction of the write it counts."""
    rows = sorted((question_id, n) for question_id, n in changes.items() if n)
    if not rows:
        return
    table = connection.ops.quote_name(QuestionExposure._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (question_id, loops) VALUES {values} "
            f"ON CONFLICT (question_id) DO UPDATE SET loops = {table}.loops + EXCLUDED.loops",
            [part for row in rows for part in row],
        )


def question_exposure_asked(question_ids: Iterable[int], *, loops: int = 1) -> None:
    """Count the questions as asked by `loops` more loops (negative: fewer)."""
    question_exposure_add({question_id: loops for question_id in question_ids})


def question_exposure_of_history() -> dict[int, int]:
    """{question id: loops not cancelled that ask it}, counted from the SessionQuestion rows
    (the counters' definition; questions never asked are absent)."""
    return dict(
        SessionQuestion.objects.exclude(loop__status=Loop.Status.CANCELLED)
        .order_by()
        .values("question_id")
        .annotate(n=Count("id"))
        .values_list("question_id", "n")
    )


@transaction.atomic
def question_exposure_recount() -> None:
    """Set every counter from the history, for writers that add SessionQuestion rows without
    the loop services (bulk imports, synthetic data, benchmarks), run right after them while no
    loop is being generated, swapped or cancelled."""
    counts = question_exposure_of_history()
    QuestionExposure.objects.all().delete()
    QuestionExposure.objects.bulk_create(
        (QuestionExposure(question_id=q, loops=n) for q, n in counts.items()), batch_size=5000
    )
