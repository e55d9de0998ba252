"""Writes for jobs, candidates, loop templates and loops."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError
from core.roles import Role, has_role
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.generator import (
    BankQuestion,
    LoopHistory,
    LoopInfeasible,
    LoopRequest,
    generate_loop,
    pick_replacement,
    replacement_problems,
    template_fit_problems,
)
from interviews.models import (
    Candidate,
    InterviewerProfile,
    InterviewSession,
    Job,
    LevelQuota,
    Loop,
    LoopTemplate,
    SessionInterviewer,
    SessionQuestion,
    loop_balance_read,
    validate_loop_balance,
)
from interviews.selectors import assignable_interviewer_ids, bank_questions, loop_history
from questionbank.models import Level, Question

# --- interviewers ------------------------------------------------------------------------------


@transaction.atomic
def interviewer_set_weekly_limit(
    *, actor: User, interviewer: User, weekly_limit: int | None
) -> InterviewerProfile:
    """Set (or, with None, lift) the most sessions a week the interviewer takes; the profile is
    created on first use."""
    profile, _ = InterviewerProfile.objects.select_for_update().get_or_create(user=interviewer)
    before = profile.weekly_limit
    profile.weekly_limit = weekly_limit
    profile.full_clean()
    profile.save(update_fields=["weekly_limit"])
    audit_record(
        actor=actor,
        action="interviewer.weekly_limit_set",
        target=interviewer,
        changes={"weekly_limit": [before, weekly_limit]},
    )
    return profile


# --- jobs and candidates -----------------------------------------------------------------------


def _check_hiring_manager(user: User) -> None:
    if not user.is_active or not has_role(user, Role.HIRING_MANAGER):
        raise ApplicationError(
            InterviewsErrorCode.INVALID_HIRING_MANAGER,
            f"User {user.pk} cannot manage a job: choose an active user with the hiring_manager "
            "role.",
            {"hiring_manager": [f"User {user.pk} is not an active hiring manager."]},
        )


@transaction.atomic
def job_create(*, actor: User, title: str, seniority: str, hiring_manager: User) -> Job:
    """Open a job; its hiring manager must be an active user with the hiring_manager role."""
    _check_hiring_manager(hiring_manager)
    job = Job.objects.create(title=title, seniority=seniority, hiring_manager=hiring_manager)
    audit_record(actor=actor, action="job.created", target=job, changes={"title": title})
    return job


@transaction.atomic
def job_update(*, actor: User, job: Job, changes: Mapping[str, Any]) -> Job:
    """Change a job's title, seniority or hiring manager."""
    if "hiring_manager" in changes:
        _check_hiring_manager(changes["hiring_manager"])
    _apply(job, changes)
    audit_record(actor=actor, action="job.updated", target=job, changes=_loggable(changes))
    return job


@transaction.atomic
def candidate_create(
    *, actor: User, name: str, email: str = "", external_id: str = ""
) -> Candidate:
    """Add a candidate; `external_id` (an ATS id), when given, is unique."""
    candidate = Candidate.objects.create(name=name, email=email, external_id=external_id)
    audit_record(actor=actor, action="candidate.created", target=candidate)
    return candidate


@transaction.atomic
def candidate_update(*, actor: User, candidate: Candidate, changes: Mapping[str, Any]) -> Candidate:
    """Change a candidate's name, e-mail address or external id."""
    _apply(candidate, changes)
    audit_record(actor=actor, action="candidate.updated", target=candidate, changes=sorted(changes))
    return candidate


@transaction.atomic
def planning_object_delete(*, actor: User, target: Job | Candidate | LoopTemplate) -> None:
    """Delete a job, candidate or template that no loop or template refers to (else 409)."""
    label = target._meta.verbose_name
    audit_record(actor=actor, action=f"{target._meta.model_name}.deleted", target=target)
    try:
        with transaction.atomic():
            target.delete()
    except ProtectedError:
        raise ApplicationError(
            InterviewsErrorCode.IN_USE,
            f"This {label} is used by loops or templates and cannot be deleted.",
            status_code=status.HTTP_409_CONFLICT,
        ) from None


def _apply(instance: Model, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


def _loggable(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.pk if isinstance(v, Model) else v) for k, v in changes.items()}


# --- loop templates ----------------------------------------------------------------------------


def _validate_template(
    *,
    level_quotas: Mapping[str, int],
    session_count: int,
    session_minutes: int,
) -> dict[str, Level]:
    """The quotas' levels by slug, after checking that they name real levels, are non-negative
    and fit the sessions with the bank's active questions. Raises ApplicationError otherwise."""
    levels = {level.slug: level for level in Level.objects.filter(slug__in=list(level_quotas))}
    problems: dict[str, list[str]] = {}
    for slug in sorted(set(level_quotas) - set(levels)):
        problems[f"level_quotas.{slug}"] = [
            f"There is no level '{slug}'; use a slug from GET /api/v1/levels/."
        ]
    if not problems:
        bank = [
            BankQuestion(id=question_id, level=level, estimated_minutes=minutes)
            for question_id, level, minutes in Question.objects.filter(
                level_id__in=list(levels), is_active=True
            ).values_list("id", "level_id", "estimated_minutes")
        ]
        problems = template_fit_problems(
            level_quotas=level_quotas,
            level_order={slug: level.order for slug, level in levels.items()},
            session_count=session_count,
            session_minutes=session_minutes,
            bank=bank,
        )
    if problems:
        first = next(iter(problems.values()))[0]
        raise ApplicationError(InterviewsErrorCode.INVALID_TEMPLATE, first, problems)
    return levels


def _write_quotas(template: LoopTemplate, level_quotas: Mapping[str, int]) -> None:
    template.quotas.all().delete()
    LevelQuota.objects.bulk_create(
        LevelQuota(template=template, level_id=slug, count=count)
        for slug, count in sorted(level_quotas.items())
    )


@transaction.atomic
def loop_template_create(
    *,
    actor: User,
    name: str,
    job: Job,
    level_quotas: Mapping[str, int],
    session_count: int,
    session_minutes: int,
    interviewers_per_session: int,
) -> LoopTemplate:
    """Create a template after checking its quotas against the levels and the bank."""
    _validate_template(
        level_quotas=level_quotas, session_count=session_count, session_minutes=session_minutes
    )
    template = LoopTemplate.objects.create(
        name=name,
        job=job,
        session_count=session_count,
        session_minutes=session_minutes,
        interviewers_per_session=interviewers_per_session,
        created_by=actor,
    )
    _write_quotas(template, level_quotas)
    audit_record(
        actor=actor,
        action="loop_template.created",
        target=template,
        changes={"level_quotas": dict(level_quotas)},
    )
    return template


@transaction.atomic
def loop_template_update(
    *, actor: User, template: LoopTemplate, changes: Mapping[str, Any]
) -> LoopTemplate:
    """Change a template; the result is validated as a whole. Loops already generated keep
    their plans."""
    changes = dict(changes)
    level_quotas = changes.pop("level_quotas", None)
    current_quotas = {q.level_id: q.count for q in template.quotas.all()}
    _validate_template(
        level_quotas=level_quotas if level_quotas is not None else current_quotas,
        session_count=changes.get("session_count", template.session_count),
        session_minutes=changes.get("session_minutes", template.session_minutes),
    )
    _apply(template, changes)
    if level_quotas is not None:
        _write_quotas(template, level_quotas)
    logged = _loggable(changes)
    if level_quotas is not None:
        logged["level_quotas"] = dict(level_quotas)
    audit_record(actor=actor, action="loop_template.updated", target=template, changes=logged)
    return template


# --- loops -------------------------------------------------------------------------------------


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


def _infeasible(exc: LoopInfeasible) -> ApplicationError:
    return ApplicationError(InterviewsErrorCode.LOOP_INFEASIBLE, exc.message, exc.shortages)


def _lock_candidate(candidate_id: int) -> Candidate:
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
    return candidate


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

    Locks the candidate's row first (see `_lock_candidate`), gathers the generator's inputs in a
    fixed number of queries, runs `interviews.generator.generate_loop` and writes the plan.
    Raises ApplicationError (400) naming whatever is short.
    """
    # One query for the template, its quotas and their levels (a template always has quotas).
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
    candidate = _lock_candidate(candidate_id)
    _check_interviewers(interviewer_ids)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    level_slugs = [q.level_id for q in quotas if q.count > 0]
    request = LoopRequest(
        level_quotas={q.level_id: q.count for q in quotas},
        level_order={q.level_id: q.level.order for q in quotas},
        session_count=template.session_count,
        session_minutes=template.session_minutes,
        interviewers_per_session=template.interviewers_per_session,
        interviewer_ids=tuple(interviewer_ids),
        seed=seed,
    )
    bank = bank_questions(level_slugs=level_slugs)
    history = loop_history(
        candidate_id=candidate.pk, interviewer_ids=interviewer_ids, now=timezone.now()
    )
    try:
        plan = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        raise _infeasible(exc) from None

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
    _remember_plan(loop, sessions, seats, rows)
    audit_record(
        actor=actor,
        action="loop.generated",
        target=loop,
        changes={"template": template.pk, "candidate": candidate.pk, "seed": seed},
    )
    return loop


def _remember_plan(
    loop: Loop,
    sessions: list[InterviewSession],
    seats: list[SessionInterviewer],
    rows: list[SessionQuestion],
) -> None:
    """Fill the loop's prefetch caches with the rows just written, in the order the loop
    selectors give them, so that the caller serializes the plan without reading it back.
    Each row's `question` is a stub carrying only its id and level."""
    loop._prefetched_objects_cache = {"sessions": sessions}
    for session in sessions:
        session._prefetched_objects_cache = {
            "session_interviewers": [s for s in seats if s.session_id == session.pk],
            "session_questions": [r for r in rows if r.session_id == session.pk],
        }


def _lock_loop(loop: Loop, *, allowed: Sequence[str], action: str) -> Loop:
    locked = Loop.objects.select_for_update().get(pk=loop.pk)
    if locked.status not in allowed:
        raise ApplicationError(
            InterviewsErrorCode.LOOP_STATE_CONFLICT,
            f"The loop is {locked.status}; it can be {action} only when {' or '.join(allowed)}.",
            {"status": [f"Loop is {locked.status}."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return locked


def _touch(loop: Loop, *fields: str) -> None:
    loop.updated_at = timezone.now()
    loop.save(update_fields=[*fields, "updated_at"])


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
    without `question_in_id` the generator picks the one that best keeps the loop balanced.
    A session that already has a scorecard keeps its questions (409)."""
    loop = _lock_loop(loop, allowed=(Loop.Status.DRAFT, Loop.Status.SCHEDULED), action="edited")
    _lock_candidate(loop.candidate_id)
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
    level = outgoing.question.level_id
    bank = {q.id: q for q in bank_questions(level_slugs=[level])}
    seated = list(
        SessionInterviewer.objects.filter(session=session).values_list("interviewer_id", flat=True)
    )
    history = loop_history(
        candidate_id=loop.candidate_id, interviewer_ids=seated, now=timezone.now()
    )
    loop_ids = frozenset(r.question_id for r in rows)
    history = LoopHistory(
        asked_of_candidate=history.asked_of_candidate - loop_ids,
        interviewer_load=history.interviewer_load,
        pairings=history.pairings,
    )
    question_out = bank.get(outgoing.question_id) or BankQuestion(
        id=outgoing.question_id,
        level=level,
        estimated_minutes=outgoing.estimated_minutes,
        is_active=False,
    )
    minutes_left = session.duration_minutes - sum(
        r.estimated_minutes for r in rows if r.session_id == session.pk and r is not outgoing
    )
    competencies: dict[int, set[str]] = {}
    for question_id, competency in Question.competencies.through.objects.filter(
        question_id__in=loop_ids
    ).values_list("question_id", "competency_id"):
        competencies.setdefault(question_id, set()).add(competency)
    covered_elsewhere = frozenset(
        c for r in rows if r is not outgoing for c in competencies.get(r.question_id, ())
    )
    notes = [n for n in loop_balance_read(loop.balance)["notes"] if "not covered" not in n]

    if question_in_id is None:
        try:
            incoming = pick_replacement(
                question_out=question_out,
                bank=list(bank.values()),
                loop_question_ids=loop_ids,
                covered_elsewhere=covered_elsewhere,
                session_interviewers=seated,
                history=history,
                minutes_left=minutes_left,
                seed=loop.seed,
            )
        except LoopInfeasible as exc:
            raise _infeasible(exc) from None
    else:
        incoming = bank.get(question_in_id)
        if incoming is None:
            row = (
                Question.objects.filter(pk=question_in_id)
                .values_list("level_id", "estimated_minutes", "is_active")
                .first()
            )
            if row is None:
                raise ApplicationError(
                    InterviewsErrorCode.INVALID_SWAP,
                    f"There is no question {question_in_id}.",
                    {"question_in": [f"No question with id {question_in_id}."]},
                )
            incoming = BankQuestion(
                id=question_in_id, level=row[0], estimated_minutes=row[1], is_active=row[2]
            )
        problems = replacement_problems(
            question_in=incoming,
            question_out=question_out,
            loop_question_ids=loop_ids,
            asked_of_candidate=history.asked_of_candidate,
            minutes_left=minutes_left,
        )
        if problems:
            raise ApplicationError(
                InterviewsErrorCode.INVALID_SWAP, " ".join(problems), {"question_in": problems}
            )
        less_asked = [
            q.id
            for q in bank.values()
            if q.exposure < incoming.exposure
            and not replacement_problems(
                question_in=q,
                question_out=question_out,
                loop_question_ids=loop_ids,
                asked_of_candidate=history.asked_of_candidate,
                minutes_left=minutes_left,
            )
        ]
        if less_asked:
            notes.append(
                f"Question {incoming.id} was chosen by hand in session {session.order}; "
                f"{len(less_asked)} less-asked question(s) at level '{level}' were available."
            )

    outgoing.question_id = incoming.id
    outgoing.estimated_minutes = incoming.estimated_minutes
    outgoing.save(update_fields=["question", "estimated_minutes"])
    # `incoming` passed every hard rule, so it is an active question of the bank at this level
    # and carries its competencies.
    covered = covered_elsewhere | incoming.competencies
    available = set().union(*(q.competencies for q in bank.values()))
    uncovered = sorted(available - covered)
    if uncovered:
        notes.append(
            f"{len(uncovered)} competenc{'y' if len(uncovered) == 1 else 'ies'} of level "
            f"'{level}' not covered within the quotas: {', '.join(uncovered)}."
        )
    loop.balance = {
        **loop_balance_read(loop.balance),
        "competencies_covered": sorted(covered),
        "notes": notes,
    }
    validate_loop_balance(loop.balance)
    _touch(loop, "balance")
    audit_record(
        actor=actor,
        action="loop.question_swapped",
        target=loop,
        changes={"session": session.pk, "out": question_out_id, "in": incoming.id},
    )
    return loop


@transaction.atomic
def loop_schedule(
    *, actor: User, loop: Loop, session_times: Mapping[int, datetime] | None = None
) -> Loop:
    """Move a draft loop to scheduled, optionally with a start time for each named session."""
    loop = _lock_loop(loop, allowed=(Loop.Status.DRAFT,), action="scheduled")
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
    _touch(loop, "status")
    audit_record(
        actor=actor,
        action="loop.scheduled",
        target=loop,
        changes={str(i): when.isoformat() for i, when in session_times.items()},
    )
    return loop


@transaction.atomic
def loop_cancel(*, actor: User, loop: Loop) -> Loop:
    """Cancel a draft or scheduled loop; its questions count as unasked for the candidate again."""
    loop = _lock_loop(loop, allowed=(Loop.Status.DRAFT, Loop.Status.SCHEDULED), action="cancelled")
    loop.status = Loop.Status.CANCELLED
    _touch(loop, "status")
    audit_record(actor=actor, action="loop.cancelled", target=loop)
    return loop


@transaction.atomic
def loop_decide(*, actor: User, loop: Loop, decision: str, note: str = "") -> Loop:
    """Record the hire / no-hire decision of a completed loop (every scorecard submitted)."""
    loop = Loop.objects.select_for_update().get(pk=loop.pk)
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
    _touch(loop, "decision", "decision_note", "decided_by", "decided_at")
    audit_record(actor=actor, action="loop.decided", target=loop, changes={"decision": decision})
    return loop
