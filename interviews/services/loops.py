"""Writes for loops: generate, schedule, cancel, decide; and the row locks loop writes take."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.events import loop_event_emit
from interviews.generator import LoopInfeasible, LoopPlan, LoopRequest, generate_loop
from interviews.models import (
    Candidate,
    InterviewSession,
    LevelQuota,
    Loop,
    LoopTemplate,
    SessionInterviewer,
    SessionQuestion,
    validate_loop_balance,
)
from interviews.selectors import assignable_interviewer_ids, bank_questions, loop_history
from interviews.services.candidates import candidate_refuse_if_erased
from questionbank.models import Question

# --- shared by every loop write ----------------------------------------------------------------


def infeasible_error(exc: LoopInfeasible) -> ApplicationError:
    """The generator's shortage as the API's 400."""
    return ApplicationError(InterviewsErrorCode.LOOP_INFEASIBLE, exc.message, exc.shortages)


def lock_candidate(candidate_id: int) -> Candidate:
    """The candidate's row, locked until commit. Precondition: inside a transaction."""
    # Every write that hands out questions to a candidate holds this row lock until commit, so
    # two generations for one candidate run one after the other and the second sees the first's
    # questions as already asked.
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        raise ApplicationError(
            InterviewsErrorCode.LOOP_INFEASIBLE,
            f"There is no candidate {candidate_id}.",
            {"candidate": [f"No candidate with id {candidate_id}."]},
        )
    # An erased candidate gets no new loops (and so no new text about them).
    candidate_refuse_if_erased(candidate)
    return candidate


def lock_loop(loop: Loop, *, allowed: Sequence[str], action: str) -> Loop:
    """The loop's row, locked until commit; 409 unless its status is one of `allowed`."""
    locked = Loop.objects.select_for_update().get(pk=loop.pk)
    if locked.status not in allowed:
        raise ApplicationError(
            InterviewsErrorCode.LOOP_STATE_CONFLICT,
            f"The loop is {locked.status}; it can be {action} only when {' or '.join(allowed)}.",
            {"status": [f"Loop is {locked.status}."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return locked


def touch_loop(loop: Loop, *fields: str) -> None:
    """Save the changed `fields` of the loop and its `updated_at`."""
    loop.updated_at = timezone.now()
    loop.save(update_fields=[*fields, "updated_at"])


# --- generate ----------------------------------------------------------------------------------


def _check_interviewers(interviewer_ids: Sequence[int]) -> None:
    duplicates = sorted({i for i in interviewer_ids if interviewer_ids.count(i) > 1})
    if duplicates:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_INTERVIEWERS,
            f"Interviewer(s) {', '.join(map(str, duplicates))} listed more than once; list each "
            "interviewer once.",
            {"interviewers": [f"User {i} is listed more than once." for i in duplicates]},
        )
    valid = assignable_interviewer_ids(user_ids=interviewer_ids)
    invalid = [i for i in interviewer_ids if i not in valid]
    if invalid:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_INTERVIEWERS,
            f"User(s) {', '.join(map(str, invalid))} cannot interview: each must be an active "
            "user with the interviewer or hiring_manager role.",
            {
                "interviewers": [
                    f"User {i} is not an active interviewer or hiring manager." for i in invalid
                ]
            },
        )


def _template_quotas(template_id: int) -> tuple[LoopTemplate, list[LevelQuota]]:
    """The template and its quotas with their levels, in one query (a template always has
    quotas; the second query only tells an empty template from a missing one)."""
    quotas = list(
        LevelQuota.objects.filter(template_id=template_id).select_related("template", "level")
    )
    template = quotas[0].template if quotas else LoopTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise ApplicationError(
            InterviewsErrorCode.LOOP_INFEASIBLE,
            f"There is no loop template {template_id}.",
            {"template": [f"No loop template with id {template_id}."]},
        )
    return template, quotas


def _loop_request(
    template: LoopTemplate, quotas: list[LevelQuota], interviewer_ids: Sequence[int], seed: int
) -> LoopRequest:
    return LoopRequest(
        level_quotas={q.level_id: q.count for q in quotas},
        level_order={q.level_id: q.level.order for q in quotas},
        session_count=template.session_count,
        session_minutes=template.session_minutes,
        interviewers_per_session=template.interviewers_per_session,
        interviewer_ids=tuple(interviewer_ids),
        seed=seed,
    )


@transaction.atomic
def loop_generate(
    *,
    actor: User,
    candidate_id: int,
    template_id: int,
    interviewer_ids: Sequence[int],
    seed: int | None = None,
) -> Loop:
    """Generate a draft loop from a template for a candidate with a pool of interviewers.

    Locks the candidate's row first (see `lock_candidate`), gathers the generator's inputs in a
    fixed number of queries, runs `interviews.generator.generate_loop` and writes the plan.
    Raises ApplicationError (400) naming whatever is short.
    """
    template, quotas = _template_quotas(template_id)
    candidate = lock_candidate(candidate_id)
    _check_interviewers(interviewer_ids)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    request = _loop_request(template, quotas, interviewer_ids, seed)
    bank = bank_questions(level_slugs=[q.level_id for q in quotas if q.count > 0])
    history = loop_history(
        candidate_id=candidate.pk, interviewer_ids=interviewer_ids, now=timezone.now()
    )
    try:
        plan = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        raise infeasible_error(exc) from None

    # The generator's balance has the shape every reader expects; the check keeps it so.
    validate_loop_balance(plan.balance.as_dict())
    loop = Loop.objects.create(
        candidate=candidate,
        template=template,
        status=Loop.Status.DRAFT,
        seed=seed,
        balance=plan.balance.as_dict(),
        created_by=actor,
    )
    _write_plan(loop, plan, quotas)
    audit_record(
        actor=actor,
        action="loop.generated",
        target=loop,
        changes={"template": template.pk, "candidate": candidate.pk, "seed": seed},
    )
    return loop


def _write_plan(loop: Loop, plan: LoopPlan, quotas: list[LevelQuota]) -> None:
    """Write the plan's sessions, seats and questions (three bulk inserts) and fill the loop's
    prefetch caches with them, in the order the loop selectors give them, so that the caller
    serializes the plan without reading it back. Each row's `question` is a stub carrying only
    its id and level."""
    sessions = InterviewSession.objects.bulk_create(
        InterviewSession(loop=loop, order=s.order, duration_minutes=s.duration_minutes)
        for s in plan.sessions
    )
    seats = SessionInterviewer.objects.bulk_create(
        SessionInterviewer(session=row, loop=loop, interviewer_id=user_id, position=position)
        for row, planned in zip(sessions, plan.sessions, strict=True)
        for position, user_id in enumerate(planned.interviewers, start=1)
    )
    levels = {q.level_id: q.level for q in quotas}
    rows = SessionQuestion.objects.bulk_create(
        SessionQuestion(
            session=row,
            loop=loop,
            question=Question(pk=q.question, level=levels[q.level]),
            order=q.order,
            estimated_minutes=q.estimated_minutes,
        )
        for row, planned in zip(sessions, plan.sessions, strict=True)
        for q in planned.questions
    )
    loop._prefetched_objects_cache = {"sessions": sessions}
    for session in sessions:
        session._prefetched_objects_cache = {
            "session_interviewers": [s for s in seats if s.session_id == session.pk],
            "session_questions": [r for r in rows if r.session_id == session.pk],
        }


# --- schedule, cancel, decide ------------------------------------------------------------------


@transaction.atomic
def loop_schedule(
    *, actor: User, loop: Loop, session_times: Mapping[int, datetime] | None = None
) -> Loop:
    """Move a draft loop to scheduled, optionally with a start time for each named session."""
    loop = lock_loop(loop, allowed=(Loop.Status.DRAFT,), action="scheduled")
    session_times = dict(session_times or {})
    if session_times:
        sessions = {s.pk: s for s in InterviewSession.objects.filter(loop=loop)}
        strangers = sorted(set(session_times) - set(sessions))
        if strangers:
            raise ApplicationError(
                InterviewsErrorCode.INVALID_SCHEDULE,
                f"Session(s) {', '.join(map(str, strangers))} are not sessions of loop "
                f"{loop.pk}; use the ids from the loop's sessions.",
                {"sessions": [f"Session {i} is not in this loop." for i in strangers]},
            )
        for session_id, when in session_times.items():
            sessions[session_id].scheduled_at = when
        InterviewSession.objects.bulk_update([sessions[i] for i in session_times], ["scheduled_at"])
    loop.status = Loop.Status.SCHEDULED
    touch_loop(loop, "status")
    audit_record(
        actor=actor,
        action="loop.scheduled",
        target=loop,
        changes={str(i): when.isoformat() for i, when in session_times.items()},
    )
    loop_event_emit(event="loop.scheduled", loop=loop)
    return loop


@transaction.atomic
def loop_cancel(*, actor: User, loop: Loop) -> Loop:
    """Cancel a draft or scheduled loop; its questions count as unasked for the candidate again."""
    loop = lock_loop(loop, allowed=(Loop.Status.DRAFT, Loop.Status.SCHEDULED), action="cancelled")
    loop.status = Loop.Status.CANCELLED
    touch_loop(loop, "status")
    audit_record(actor=actor, action="loop.cancelled", target=loop)
    loop_event_emit(event="loop.cancelled", loop=loop)
    return loop


@transaction.atomic
def loop_decide(*, actor: User, loop: Loop, decision: str, note: str = "") -> Loop:
    """Record the hire / no-hire decision of a completed loop (every scorecard submitted)."""
    loop = Loop.objects.select_for_update().get(pk=loop.pk)
    # Read after the loop lock, which the erasure also takes (a statement of its own, so it sees
    # an erasure that committed while we waited): a decision note after it would be new text
    # about an erased candidate.
    candidate_refuse_if_erased(Candidate.objects.get(pk=loop.candidate_id), field="loop")
    if loop.decision:
        raise ApplicationError(
            InterviewsErrorCode.ALREADY_DECIDED,
            f"The loop was already decided ({loop.decision}); a decision is final.",
            {"decision": ["Already decided."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    if loop.status != Loop.Status.COMPLETED:
        expected = SessionInterviewer.objects.filter(loop=loop).count()
        # scoring sits above interviews: read its rows through the reverse relation, by value.
        submitted = loop.scorecards.filter(status="submitted").count()
        raise ApplicationError(
            InterviewsErrorCode.SCORECARDS_MISSING,
            f"The loop is {loop.status}: a decision needs every scorecard submitted, and "
            f"{max(expected - submitted, 0)} of {expected} are missing.",
            {"decision": [f"{submitted} of {expected} scorecards submitted."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    loop.decision = decision
    loop.decision_note = note
    loop.decided_by = actor
    loop.decided_at = timezone.now()
    touch_loop(loop, "decision", "decision_note", "decided_by", "decided_at")
    audit_record(actor=actor, action="loop.decided", target=loop, changes={"decision": decision})
    loop_event_emit(event="loop.decided", loop=loop)
    return loop
