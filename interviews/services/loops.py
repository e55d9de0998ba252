"""Writes for loops: generate, schedule, cancel, decide; and the row locks loop writes take."""

from __future__ import annotations

import dataclasses
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
from interviews.generator import (
    LoopHistory,
    LoopInfeasible,
    LoopPlan,
    LoopRequest,
    PoolStaffing,
    generate_loop,
    pool_seat_holders,
)
from interviews.models import (
    Candidate,
    InterviewerPool,
    InterviewSession,
    LevelQuota,
    Loop,
    LoopTemplate,
    PoolMember,
    SessionInterviewer,
    SessionQuestion,
    SessionTrainee,
    validate_loop_balance,
)
from interviews.selectors import (
    assignable_interviewer_ids,
    bank_questions,
    iso_week_bounds,
    loop_history,
    pool_loads,
    pool_staffing,
    qualified_coverage,
    question_pairings,
    questions_asked_of,
    week_loads,
)
from interviews.services.candidates import candidate_refuse_if_erased
from interviews.services.exposure import question_exposure_asked
from interviews.services.load import lock_weekly_limits, refuse_over_weekly_limit
from questionbank.models import Question

# --- shared by every loop write ----------------------------------------------------------------


def infeasible_error(exc: LoopInfeasible) -> ApplicationError:
    """The generator's shortage as the API's 400."""
    return ApplicationError(InterviewsErrorCode.LOOP_INFEASIBLE, exc.message, exc.shortages)


def lock_candidate(candidate_id: int, *, field: str = "candidate") -> Candidate:
    """The candidate's row, locked until commit; 409 (naming `field`) once they were erased.
    Precondition: inside a transaction, holding no loop or scorecard row lock yet (the
    erasure's lock order: candidate, scorecards, loops)."""
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
    candidate_refuse_if_erased(candidate, field=field)
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
        LevelQuota.objects.filter(template_id=template_id).select_related(
            "template__interviewer_pool", "level"
        )
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


# A generation that finds, under the locks, that someone it seated reached their weekly limit in
# the meantime plans again from the new loads; after this many tries it gives up with a 409.
POOL_ATTEMPTS = 3


class _WeekFilledMeanwhile(Exception):
    """A concurrent generation or scheduling took the last session of someone's week after our
    plan read the loads (raised under the row locks; the attempt is rolled back and retried)."""

    def __init__(self, users: list[int]) -> None:
        self.users = users
        super().__init__(users)


def _pool_of(template: LoopTemplate) -> InterviewerPool:
    if template.interviewer_pool is None:
        raise ApplicationError(
            InterviewsErrorCode.INVALID_INTERVIEWERS,
            f"Loop template {template.pk} names no interviewer pool; list the interviewers, or "
            "give the template an interviewer_pool.",
            {"interviewers": ["Required: the template names no interviewer pool."]},
        )
    return template.interviewer_pool


def _pool_inputs(
    *, request: LoopRequest, template: LoopTemplate, candidate: Candidate, now: datetime
) -> tuple[LoopRequest, LoopHistory]:
    """The pool as the generator sees it (read without locks: `_confirm_weekly_limits` checks
    the plan's seats under them) and the history it needs: the members' upcoming loads, and
    pool coverage and question pairings only for those who take the scoring seats
    (`pool_seat_holders`). A fixed number of queries whatever the pool's size."""
    pool = _pool_of(template)
    week_load, load = pool_loads(pool_id=pool.pk, week=iso_week_bounds(now), now=now)
    staffing = pool_staffing(
        pool=pool,
        candidate_id=candidate.pk,
        trainees_per_session=template.trainees_per_session,
        week_load=week_load,
    )
    request = dataclasses.replace(request, pool=staffing)
    # Who takes the scoring seats is known now; the questions only arrange them, by what their
    # pools cover and how often they asked each question: read both for them alone.
    holders = pool_seat_holders(request, load)
    coverage = qualified_coverage(user_ids=holders)
    staffing = dataclasses.replace(
        staffing,
        members=tuple(
            dataclasses.replace(m, levels=coverage[m.user][0], competencies=coverage[m.user][1])
            if m.user in coverage
            else m
            for m in staffing.members
        ),
    )
    history = LoopHistory(
        asked_of_candidate=questions_asked_of(candidate_id=candidate.pk),
        interviewer_load=load,
        pairings=question_pairings(interviewer_ids=holders),
    )
    return dataclasses.replace(request, pool=staffing), history


def _note_unqualified(plan: LoopPlan, *, pool: InterviewerPool) -> None:
    """Named interviewers are seated as named (API.md v1); when the template has a pool, a
    `balance.notes` entry names those seated who are not qualified in it (one query)."""
    seated = {u for s in plan.sessions for u in s.interviewers}
    qualified = set(
        PoolMember.objects.filter(
            pool=pool, user_id__in=seated, status=PoolMember.Status.QUALIFIED
        ).values_list("user_id", flat=True)
    )
    unqualified = sorted(seated - qualified)
    if unqualified:
        names = ", ".join(f"user {u}" for u in unqualified)
        plan.balance.notes.append(
            f"Not qualified in the template's pool '{pool.name}' but seated as named: {names}. "
            "Name qualified members, or leave out `interviewers` to staff the loop from the pool."
        )


def _confirm_weekly_limits(plan: LoopPlan, now: datetime) -> None:
    """Lock the weekly limits of everyone the plan seats (in user id order) and check, under
    the locks, that each still has room this week; raise _WeekFilledMeanwhile otherwise.

    A concurrent write that wants one of them waits for our commit and then counts our seat, so
    two generations never both take someone's last session of a week."""
    seated = {u for s in plan.sessions for u in (*s.interviewers, *s.trainees)}
    limits = lock_weekly_limits(user_ids=seated)
    start, end = iso_week_bounds(now)
    loads = week_loads(user_ids=limits, start=start, end=end)
    full = sorted(u for u, limit in limits.items() if loads.get(u, 0) + 1 > limit)
    if full:
        raise _WeekFilledMeanwhile(full)


def loop_generate(
    *,
    actor: User,
    candidate_id: int,
    template_id: int,
    interviewer_ids: Sequence[int] | None = None,
    seed: int | None = None,
    now: datetime | None = None,
) -> Loop:
    """Generate a draft loop from a template for a candidate, with the named interviewers or,
    without them, staffed from the template's interviewer pool.

    Each attempt is one transaction (`_loop_generate_attempt`). A pool-staffed attempt that
    finds, under the row locks, that a concurrent write took someone's last session of the week
    is rolled back and planned again from the new loads (at most POOL_ATTEMPTS times, then a
    409). The new sessions count in the week of `now` (the loop's creation) until scheduled.
    """
    now = now or timezone.now()
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    filled: list[int] = []
    for _ in range(POOL_ATTEMPTS):
        try:
            return _loop_generate_attempt(
                actor=actor,
                candidate_id=candidate_id,
                template_id=template_id,
                interviewer_ids=interviewer_ids,
                seed=seed,
                now=now,
            )
        except _WeekFilledMeanwhile as exc:
            filled = exc.users
    raise ApplicationError(
        InterviewsErrorCode.WEEKLY_LIMIT_REACHED,
        f"Other loops kept taking the last sessions of the week of user(s) "
        f"{', '.join(map(str, filled))} while this one was planned; try again.",
        {"interviewers": [f"User {u} reached their weekly limit meanwhile." for u in filled]},
        status_code=status.HTTP_409_CONFLICT,
    )


@transaction.atomic
def _loop_generate_attempt(
    *,
    actor: User,
    candidate_id: int,
    template_id: int,
    interviewer_ids: Sequence[int] | None,
    seed: int,
    now: datetime,
) -> Loop:
    """One attempt of `loop_generate`: lock the candidate's row (see `lock_candidate`), gather
    the generator's inputs in a fixed number of queries (whatever the pool's size and history),
    run `interviews.generator.generate_loop`, check the weekly limits under row locks and write
    the plan. Raises ApplicationError: 400 naming whatever is short, 409 naming named
    interviewers at their weekly limit."""
    template, quotas = _template_quotas(template_id)
    candidate = lock_candidate(candidate_id)
    request = _loop_request(template, quotas, interviewer_ids or (), seed)
    if interviewer_ids is None:
        request, history = _pool_inputs(
            request=request, template=template, candidate=candidate, now=now
        )
    else:
        _check_interviewers(interviewer_ids)
        refuse_over_weekly_limit(
            added={user_id: {iso_week_bounds(now)[0]: 1} for user_id in interviewer_ids},
            limits=lock_weekly_limits(user_ids=interviewer_ids),
        )
        history = loop_history(candidate_id=candidate.pk, interviewer_ids=interviewer_ids, now=now)
    bank = bank_questions(level_slugs=[q.level_id for q in quotas if q.count > 0])
    try:
        plan = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        raise infeasible_error(exc) from None
    if request.pool is not None:
        _confirm_weekly_limits(plan, now)
    elif template.interviewer_pool_id is not None:
        _note_unqualified(plan, pool=template.interviewer_pool)

    # The generator's balance has the shape every reader expects; the check keeps it so.
    validate_loop_balance(plan.balance.as_dict())
    loop = Loop.objects.create(
        candidate=candidate,
        template=template,
        status=Loop.Status.DRAFT,
        seed=seed,
        balance=plan.balance.as_dict(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _write_plan(loop, plan, quotas, pool=request.pool, pool_id=template.interviewer_pool_id)
    audit_record(
        actor=actor,
        action="loop.generated",
        target=loop,
        changes={"template": template.pk, "candidate": candidate.pk, "seed": seed},
    )
    return loop


def _write_plan(
    loop: Loop,
    plan: LoopPlan,
    quotas: list[LevelQuota],
    *,
    pool: PoolStaffing | None = None,
    pool_id: int | None = None,
) -> None:
    """Write the plan's sessions, seats, trainees and questions (bulk inserts) and fill the loop's
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
    stage = {m.user: m.status for m in pool.members} if pool else {}
    trainees = (
        SessionTrainee.objects.bulk_create(
            SessionTrainee(
                session=row, loop=loop, trainee_id=user_id, pool_id=pool_id, stage=stage[user_id]
            )
            for row, planned in zip(sessions, plan.sessions, strict=True)
            for user_id in planned.trainees
        )
        if any(planned.trainees for planned in plan.sessions)
        else []
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
    question_exposure_asked(row.question_id for row in rows)
    loop._prefetched_objects_cache = {"sessions": sessions}
    for session in sessions:
        session._prefetched_objects_cache = {
            "session_interviewers": [s for s in seats if s.session_id == session.pk],
            "session_trainees": [t for t in trainees if t.session_id == session.pk],
            "session_questions": [r for r in rows if r.session_id == session.pk],
        }


# --- schedule, cancel, decide ------------------------------------------------------------------


@transaction.atomic
def loop_schedule(
    *, actor: User, loop: Loop, session_times: Mapping[int, datetime] | None = None
) -> Loop:
    """Move a draft loop to scheduled, optionally with a start time for each named session;
    409 once its candidate was erased (a scheduled loop invites new scorecards about them)."""
    loop = lock_loop(loop, allowed=(Loop.Status.DRAFT,), action="scheduled")
    # Read after the loop lock, which the erasure also takes (as in loop_decide).
    candidate_refuse_if_erased(Candidate.objects.get(pk=loop.candidate_id), field="loop")
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
        _refuse_schedule_over_limits(loop, session_times)
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


def _refuse_schedule_over_limits(loop: Loop, session_times: Mapping[int, datetime]) -> None:
    """409 naming whoever the new times would put over their weekly limit.

    Takes the row locks of the weekly limits of everyone seated in the moved sessions (scoring
    or trainee), so a generation or another scheduling for them waits; each moved session adds
    one session to its new week for each of them (unless it already counted there)."""
    seats = list(
        SessionInterviewer.objects.filter(session_id__in=list(session_times)).values_list(
            "session_id", "interviewer_id", "session__scheduled_at"
        )
    ) + list(
        SessionTrainee.objects.filter(session_id__in=list(session_times)).values_list(
            "session_id", "trainee_id", "session__scheduled_at"
        )
    )
    limits = lock_weekly_limits(user_ids={user_id for _, user_id, _ in seats})
    added: dict[int, dict[datetime, int]] = {}
    for session_id, user_id, old_time in seats:
        new_week = iso_week_bounds(session_times[session_id])[0]
        old_week = iso_week_bounds(old_time or loop.created_at)[0]
        if user_id in limits and new_week != old_week:
            weeks = added.setdefault(user_id, {})
            weeks[new_week] = weeks.get(new_week, 0) + 1
    refuse_over_weekly_limit(added=added, limits=limits)


@transaction.atomic
def loop_cancel(*, actor: User, loop: Loop) -> Loop:
    """Cancel a draft or scheduled loop; its questions count as unasked for the candidate again."""
    loop = lock_loop(loop, allowed=(Loop.Status.DRAFT, Loop.Status.SCHEDULED), action="cancelled")
    loop.status = Loop.Status.CANCELLED
    touch_loop(loop, "status")
    question_exposure_asked(
        SessionQuestion.objects.filter(loop=loop).values_list("question_id", flat=True), loops=-1
    )
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
        submitted = loop.scorecards.filter(status="submitted", shadow=False).count()
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
