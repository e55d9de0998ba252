"""Replacing one question of a loop: the generator offers the eligible replacements."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.generator import (
    BankQuestion,
    LoopHistory,
    SwapRequest,
    no_swap_candidate,
    swap_balance,
    swap_candidates,
    swap_problems,
)
from interviews.models import (
    InterviewSession,
    Loop,
    SessionQuestion,
    loop_balance_read,
    validate_loop_balance,
)
from interviews.selectors import swap_inputs, swap_question_in
from interviews.services.exposure import question_exposure_add
from interviews.services.loops import infeasible_error, lock_candidate, lock_loop, touch_loop


@transaction.atomic
def loop_swap_question(
    *,
    actor: User,
    loop: Loop,
    session_id: int,
    question_out_id: int,
    question_in_id: int | None = None,
) -> Loop:
    """Replace one question of a draft or scheduled loop. The replacement keeps every hard rule
    (same level, active, not in the loop, not met by the candidate, fits the session's minutes);
    without `question_in_id` the generator's first offer (`swap_candidates`) is taken: the one
    that best keeps the loop balanced. A session that already has a scorecard keeps its
    questions (409), and so does the loop of an erased candidate.

    Lock order, the erasure's: the candidate's row, then the loop's."""
    lock_candidate(loop.candidate_id, field="loop")
    loop = lock_loop(loop, allowed=(Loop.Status.DRAFT, Loop.Status.SCHEDULED), action="edited")
    session, rows, outgoing = _swap_target(loop, session_id, question_out_id)
    request, bank, history = swap_inputs(
        loop=loop, session=session, loop_rows=rows, outgoing=outgoing, now=timezone.now()
    )
    eligible = swap_candidates(request, bank, history)
    incoming = _choose(request, eligible, bank, history, question_in_id)

    outgoing.question_id = incoming.id
    outgoing.estimated_minutes = incoming.estimated_minutes
    outgoing.save(update_fields=["question", "estimated_minutes"])
    question_exposure_add({question_out_id: -1, incoming.id: 1})
    loop.balance = swap_balance(
        # Whatever an admin or an old command stored, the generator reads the full shape.
        balance=loop_balance_read(loop.balance),
        request=request,
        question_in=incoming,
        eligible=eligible,
        bank=bank,
        chosen_by_hand=question_in_id is not None,
    )
    validate_loop_balance(loop.balance)
    touch_loop(loop, "balance")
    audit_record(
        actor=actor,
        action="loop.question_swapped",
        target=loop,
        changes={"session": session.pk, "out": question_out_id, "in": incoming.id},
    )
    return loop


def _swap_target(
    loop: Loop, session_id: int, question_out_id: int
) -> tuple[InterviewSession, list[SessionQuestion], SessionQuestion]:
    """The session, every question row of the loop, and the row to replace; 400 when the session
    or question is not this loop's, 409 when the session already has a scorecard."""
    session = InterviewSession.objects.filter(pk=session_id, loop=loop).first()
    if session is None:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_SWAP,
            f"Session {session_id} is not a session of loop {loop.pk}.",
            {"session": [f"Not a session of loop {loop.pk}."]},
        )
    rows = list(SessionQuestion.objects.filter(loop=loop).select_related("question"))
    outgoing = next(
        (r for r in rows if r.session_id == session.pk and r.question_id == question_out_id), None
    )
    if outgoing is None:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_SWAP,
            f"Question {question_out_id} is not asked in session {session.order} of this loop.",
            {"question_out": [f"Not a question of session {session.pk}."]},
        )
    if session.scorecards.exists():
        raise ApplicationError(
            InterviewsErrorCode.LOOP_STATE_CONFLICT,
            f"Session {session.order} already has a scorecard; its questions can no longer change.",
            {"session": ["Has a scorecard."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return session, rows, outgoing


def _choose(
    request: SwapRequest,
    eligible: Sequence[BankQuestion],
    bank: Sequence[BankQuestion],
    history: LoopHistory,
    question_in_id: int | None,
) -> BankQuestion:
    """The generator's first offer, or the chosen question if it is among the offers; a 400
    naming every hard rule it breaks otherwise."""
    if question_in_id is None:
        if not eligible:
            raise infeasible_error(no_swap_candidate(request))
        return eligible[0]
    chosen = next((q for q in eligible if q.id == question_in_id), None)
    if chosen is not None:
        return chosen
    question_in = swap_question_in(question_id=question_in_id, bank=bank)
    if question_in is None:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_SWAP,
            f"There is no question {question_in_id}.",
            {"question_in": [f"No question with id {question_in_id}."]},
        )
    # Empty only if the question became active at this level after the bank was read.
    problems = swap_problems(question_in, request, history) or [
        f"Question {question_in_id} was not available when the bank was read; try again."
    ]
    raise ApplicationError(
        InterviewsErrorCode.INVALID_SWAP, " ".join(problems), {"question_in": problems}
    )
