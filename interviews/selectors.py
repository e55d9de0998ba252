"""Reads for jobs, candidates, templates and loops, and the generator's inputs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.roles import Role, has_role
from interviews import permissions
from interviews.calendar import CalendarPerson, CalendarSession
from interviews.generator import (
    BankQuestion,
    LoopHistory,
    PoolStaffing,
    StaffMember,
    SwapRequest,
)
from interviews.models import (
    Candidate,
    InterviewerPool,
    InterviewSession,
    Job,
    JobTeamMember,
    LevelQuota,
    Loop,
    LoopTemplate,
    PoolMember,
    SessionInterviewer,
    SessionQuestion,
    SessionTrainee,
)
from questionbank.models import Competency, Level, Question, RubricCriterion

# Roles that see every candidate and their e-mail addresses; interviewers see only the candidates
# of loops they interview in. (Jobs and loops are scoped by job team: interviews.permissions.)
CANDIDATE_READ_ROLES = (Role.HIRING_MANAGER, Role.RECRUITER)
# Roles a user must hold to be assigned to a session.
ASSIGNABLE_ROLES = (Role.INTERVIEWER.value, Role.HIRING_MANAGER.value)
# Loops whose sessions still lie ahead (count towards an interviewer's load).
UPCOMING_STATUSES = (Loop.Status.DRAFT, Loop.Status.SCHEDULED)


def sees_all_candidates(user: User) -> bool:
    """Hiring managers, recruiters and admins see every candidate; interviewers only theirs."""
    return has_role(user, *CANDIDATE_READ_ROLES)


def decision_note_visible(*, user: User | None, loop: Loop) -> bool:
    """Whether `user` may read the loop's `decision_note`: interviewers never do (API.md,
    additions of 2026-11-30); the job's team, recruiters and admins do (interviews.permissions,
    without the loop-interviewer part of its VIEW rule)."""
    if user is None:
        return False
    return permissions.sees_every_job(user) or permissions.on_team(user, loop)


def job_list(*, user: User) -> QuerySet[Job]:
    """Jobs the user may see (interviews.permissions: team, global recruiters, admins)."""
    return permissions.visible_jobs(user, Job.objects.order_by("id"))


def job_team_list(*, job: Job) -> QuerySet[JobTeamMember]:
    return JobTeamMember.objects.filter(job=job).select_related("user").order_by("id")


def candidate_list(*, user: User) -> QuerySet[Candidate]:
    candidates = Candidate.objects.order_by("id")
    if sees_all_candidates(user):
        return candidates
    return candidates.filter(
        id__in=SessionInterviewer.objects.filter(interviewer=user).values("loop__candidate_id")
    )


def loop_template_list(*, user: User) -> QuerySet[LoopTemplate]:
    """Templates of the jobs the user may see, with their quotas and levels prefetched."""
    templates = LoopTemplate.objects.prefetch_related(
        Prefetch("quotas", queryset=LevelQuota.objects.select_related("level"))
    ).order_by("id")
    return permissions.visible_templates(user, templates)


def loop_template_get(*, user: User, template_id: int) -> LoopTemplate | None:
    return (
        permissions.visible_templates(user, LoopTemplate.objects.all())
        .filter(pk=template_id)
        .first()
    )


def _sessions_prefetch() -> Prefetch:
    return Prefetch(
        "sessions",
        queryset=InterviewSession.objects.order_by("order").prefetch_related(
            Prefetch(
                "session_interviewers", queryset=SessionInterviewer.objects.order_by("position")
            ),
            Prefetch("session_trainees", queryset=SessionTrainee.objects.order_by("id")),
            Prefetch(
                "session_questions",
                queryset=SessionQuestion.objects.select_related("question").order_by("order"),
            ),
        ),
    )


def loop_list(*, user: User) -> QuerySet[Loop]:
    """Loops the user may see (interviews.permissions), with their template and their sessions,
    interviewers and questions prefetched."""
    return (
        Loop.objects.select_related("template")
        .prefetch_related(_sessions_prefetch())
        .filter(permissions.visible_loops_q(user))
        .order_by("id")
    )


def loop_get(*, user: User, loop_id: int) -> Loop | None:
    return loop_list(user=user).filter(id=loop_id).first()


def my_session_list(*, user: User) -> QuerySet[InterviewSession]:
    """The user's own sessions (as a scoring interviewer or a trainee) in loops that are not
    cancelled, each with its interview kit: the questions with prompt, hint and active rubric
    criteria."""
    mine = SessionInterviewer.objects.filter(interviewer=user).values("session_id")
    trained = SessionTrainee.objects.filter(trainee=user).values("session_id")
    return (
        InterviewSession.objects.filter(Q(id__in=mine) | Q(id__in=trained))
        .exclude(loop__status=Loop.Status.CANCELLED)
        .select_related("loop__candidate")
        .prefetch_related(
            Prefetch(
                "session_interviewers", queryset=SessionInterviewer.objects.order_by("position")
            ),
            Prefetch("session_trainees", queryset=SessionTrainee.objects.order_by("id")),
            Prefetch(
                "session_questions",
                queryset=SessionQuestion.objects.select_related("question")
                .prefetch_related(
                    Prefetch(
                        "question__criteria",
                        queryset=RubricCriterion.objects.filter(is_active=True).order_by(
                            "order", "id"
                        ),
                    ),
                    "question__competencies",
                )
                .order_by("order"),
            ),
        )
        .order_by("scheduled_at", "loop_id", "order")
    )


# How far back the caller's own calendar reaches (sessions further in the past are left out).
MY_CALENDAR_PAST_DAYS = 365


def _calendar_person(user: User) -> CalendarPerson:
    return CalendarPerson(
        username=user.username, full_name=user.get_full_name(), email=user.email or ""
    )


def _calendar_sessions(sessions: QuerySet[InterviewSession]) -> list[CalendarSession]:
    """The sessions with a time as `interviews.calendar` data; two queries for any number."""
    rows = (
        sessions.filter(scheduled_at__isnull=False)
        .select_related("loop__candidate", "loop__template__job__hiring_manager")
        .prefetch_related(
            Prefetch(
                "session_interviewers",
                queryset=SessionInterviewer.objects.select_related("interviewer").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "session_trainees",
                queryset=SessionTrainee.objects.select_related("trainee").order_by("id"),
            ),
        )
        .order_by("scheduled_at", "loop_id", "order")
    )
    result = []
    for session in rows:
        loop, candidate = session.loop, session.loop.candidate
        job = loop.template.job
        changed = max(loop.updated_at, candidate.erased_at or loop.updated_at)
        result.append(
            CalendarSession(
                session_id=session.pk,
                session_order=session.order,
                loop_id=loop.pk,
                loop_status=loop.status,
                starts_at=session.scheduled_at,
                duration_minutes=session.duration_minutes,
                loop_created_at=loop.created_at,
                last_changed_at=changed,
                job_title=job.title,
                candidate_name=None if candidate.erased_at else candidate.name,
                organizer=_calendar_person(job.hiring_manager),
                interviewers=tuple(
                    _calendar_person(seat.interviewer)
                    for seat in session.session_interviewers.all()
                ),
                trainees=tuple(
                    _calendar_person(seat.trainee) for seat in session.session_trainees.all()
                ),
            )
        )
    return result


def loop_calendar_sessions(*, loop: Loop) -> list[CalendarSession]:
    """The loop's sessions that have a time, for its calendar (the caller may view the loop)."""
    return _calendar_sessions(InterviewSession.objects.filter(loop=loop))


def my_calendar_sessions(*, user: User, now: datetime) -> list[CalendarSession]:
    """The user's own sessions (as a scoring interviewer or a trainee) that have a time, from
    MY_CALENDAR_PAST_DAYS before `now` on; sessions of cancelled loops are kept (as cancelled
    events) so subscribed calendars drop them.
    """
    since = now - timedelta(days=MY_CALENDAR_PAST_DAYS)
    mine = SessionInterviewer.objects.filter(interviewer=user).values("session_id")
    trained = SessionTrainee.objects.filter(trainee=user).values("session_id")
    return _calendar_sessions(
        InterviewSession.objects.filter(Q(id__in=mine) | Q(id__in=trained), scheduled_at__gte=since)
    )


def assignable_interviewer_ids(*, user_ids: Iterable[int]) -> set[int]:
    """Of `user_ids`, those of active users holding the interviewer or hiring_manager role."""
    return set(
        User.objects.filter(
            id__in=list(user_ids), is_active=True, groups__name__in=ASSIGNABLE_ROLES
        ).values_list("id", flat=True)
    )


def iso_week_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of `now`'s ISO week, and the Monday after."""
    day = now.astimezone(UTC).date()
    start = datetime.combine(day - timedelta(days=day.weekday()), datetime.min.time(), UTC)
    return start, start + timedelta(days=7)


def week_q(start: datetime, end: datetime) -> Q:
    """Seats (SessionInterviewer or SessionTrainee rows) that count in the week [start, end):
    their session is scheduled in it, or, while it has no time, their loop was created in it."""
    return Q(session__scheduled_at__gte=start, session__scheduled_at__lt=end) | Q(
        session__scheduled_at__isnull=True, loop__created_at__gte=start, loop__created_at__lt=end
    )


def _seats_in_week(model, user_field: str, start: datetime, end: datetime) -> QuerySet:
    return (
        model.objects.exclude(loop__status=Loop.Status.CANCELLED)
        .filter(week_q(start, end))
        .order_by()
        .values(user_field)
        .annotate(n=Count("id"))
    )


def may_interview_user_ids() -> QuerySet:
    """Ids of users holding a role that may sit in a session (a subquery)."""
    return User.groups.through.objects.filter(group__name__in=ASSIGNABLE_ROLES).values("user_id")


def interviewer_list(*, now: datetime) -> QuerySet[User]:
    """Active users who may be assigned to a session, each with `weekly_limit` (from their
    profile, None without one), `sessions_this_week` (their scoring and trainee seats in loops
    that are not cancelled whose session is scheduled in `now`'s ISO week (UTC), or, while the
    session has no time, whose loop was created that week) and their pool memberships prefetched
    (`pool_rows`). Three queries a page, whatever the page's size."""
    start, end = iso_week_bounds(now)
    seats = _seats_in_week(SessionInterviewer, "interviewer_id", start, end)
    trainee_seats = _seats_in_week(SessionTrainee, "trainee_id", start, end)
    return (
        User.objects.filter(is_active=True, id__in=may_interview_user_ids())
        .select_related("interviewer_profile")
        .prefetch_related(
            Prefetch(
                "pool_memberships",
                queryset=PoolMember.objects.order_by("pool_id"),
                to_attr="pool_rows",
            )
        )
        .annotate(
            sessions_this_week=Coalesce(
                Subquery(
                    seats.filter(interviewer_id=OuterRef("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
            + Coalesce(
                Subquery(
                    trainee_seats.filter(trainee_id=OuterRef("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("id")
    )


def _week_seats_sql(user_filter: str) -> str:
    """Scoring and trainee seats of loops not cancelled that count in a week: scheduled in it,
    or unscheduled in a loop created in it; grouped by user. Driven by the session's time and the
    loop's creation (both indexed), so its cost follows the week's sessions, not the history or
    the number of users asked about."""
    seat_tables = (
        (SessionInterviewer._meta.db_table, "interviewer_id"),
        (SessionTrainee._meta.db_table, "trainee_id"),
    )
    session = InterviewSession._meta.db_table
    loop = Loop._meta.db_table
    parts = []
    for table, user in seat_tables:
        parts.append(
            f"SELECT seat.{user} AS user_id FROM {session} s "
            f"JOIN {table} seat ON seat.session_id = s.id JOIN {loop} l ON l.id = seat.loop_id "
            "WHERE s.scheduled_at >= %(start)s AND s.scheduled_at < %(end)s "
            "AND l.status <> %(cancelled)s"
        )
        parts.append(
            f"SELECT seat.{user} AS user_id FROM {loop} l "
            f"JOIN {table} seat ON seat.loop_id = l.id JOIN {session} s ON s.id = seat.session_id "
            "WHERE l.created_at >= %(start)s AND l.created_at < %(end)s "
            "AND s.scheduled_at IS NULL AND l.status <> %(cancelled)s"
        )
    return (
        f"SELECT user_id, COUNT(*) FROM ({' UNION ALL '.join(parts)}) AS seats "
        f"{user_filter} GROUP BY user_id"
    )


def week_loads(
    *, start: datetime, end: datetime, user_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """{user id: sessions in the week [start, end)} (scoring and trainee seats of loops not
    cancelled, see `week_q`), of `user_ids` or, with None, of everyone with a session that week;
    absent means none. One aggregated query whatever the number of users and the history."""
    params: dict = {"start": start, "end": end, "cancelled": Loop.Status.CANCELLED.value}
    user_filter = ""
    if user_ids is not None:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        user_filter = f"WHERE user_id IN ({', '.join(str(int(i)) for i in ids)})"
    with connection.cursor() as cursor:
        cursor.execute(_week_seats_sql(user_filter), params)
        return dict(cursor.fetchall())


def _upcoming_seats_sql() -> str:
    """Scoring seats of draft or scheduled loops, in sessions unscheduled or from `now` on, of
    the members of one pool; grouped by user (what `upcoming_loads` counts)."""
    return (
        f"SELECT seat.interviewer_id AS user_id, COUNT(*) FROM {Loop._meta.db_table} l "
        f"JOIN {SessionInterviewer._meta.db_table} seat ON seat.loop_id = l.id "
        f"JOIN {InterviewSession._meta.db_table} s ON s.id = seat.session_id "
        "WHERE l.status IN (%(draft)s, %(scheduled)s) "
        "AND (s.scheduled_at IS NULL OR s.scheduled_at >= %(now)s) "
        f"AND seat.interviewer_id IN (SELECT user_id FROM {PoolMember._meta.db_table} "
        "WHERE pool_id = %(pool)s) GROUP BY seat.interviewer_id"
    )


def pool_loads(
    *, pool_id: int, week: tuple[datetime, datetime], now: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """({member of the pool: sessions in `week`} (as `week_loads`), {member of the pool:
    upcoming sessions} (as `upcoming_loads`)); absent means none. One query whatever the pool's
    size.

    Inside a transaction (loop generation) the statement runs without parallel workers (`SET
    LOCAL`, to the transaction's end): its two halves each take a few ms, which starting and
    gathering workers more than doubled on the 2-core hosts (benchmarked: 17-25 -> 12-13 ms)."""
    params = {
        "start": week[0],
        "end": week[1],
        "cancelled": Loop.Status.CANCELLED.value,
        "draft": Loop.Status.DRAFT.value,
        "scheduled": Loop.Status.SCHEDULED.value,
        "now": now,
        "pool": pool_id,
    }
    members = f"WHERE user_id IN (SELECT user_id FROM {PoolMember._meta.db_table} "
    members += "WHERE pool_id = %(pool)s)"
    loads: tuple[dict[int, int], dict[int, int]] = ({}, {})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(
            f"SELECT 0, w.* FROM ({_week_seats_sql(members)}) AS w "
            f"UNION ALL SELECT 1, u.* FROM ({_upcoming_seats_sql()}) AS u",
            params,
        )
        for kind, user_id, n in cursor.fetchall():
            loads[kind][user_id] = n
    return loads


# --- interviewer pools --------------------------------------------------------------------------


def interviewer_pool_list() -> QuerySet[InterviewerPool]:
    """Pools with their level and competency slugs and their members (`member_rows`, with the
    progress counts `shadow_sessions` and `reverse_shadow_sessions`: trainee seats at that stage
    in the pool, in loops not cancelled). Four queries a page."""
    progress = {
        f"{stage}_sessions": Count(
            "user__session_trainee_rows",
            filter=Q(
                user__session_trainee_rows__pool_id=F("pool_id"),
                user__session_trainee_rows__stage=stage,
            )
            & ~Q(user__session_trainee_rows__loop__status=Loop.Status.CANCELLED),
        )
        for stage in (SessionTrainee.Stage.SHADOW, SessionTrainee.Stage.REVERSE_SHADOW)
    }
    return InterviewerPool.objects.prefetch_related(
        Prefetch("levels", queryset=Level.objects.order_by("order", "slug")),
        Prefetch("competencies", queryset=Competency.objects.order_by("slug")),
        Prefetch(
            "members",
            queryset=PoolMember.objects.annotate(**progress).order_by("user_id"),
            to_attr="member_rows",
        ),
    ).order_by("id")


def pool_staffing(
    *,
    pool: InterviewerPool,
    candidate_id: int,
    trainees_per_session: int,
    week_load: dict[int, int],
) -> PoolStaffing:
    """What the generator needs to staff a loop from `pool`: its members who may interview
    (active, with an interviewer or hiring_manager role), each with their weekly limit (from
    their profile) and their sessions this week (from `week_load`, see `pool_loads`); and who
    met the candidate in earlier loops that were not cancelled. Two queries whatever the pool's
    size and history. What the members' pools cover is left unknown (None) here: only the
    scoring seats' holders need it (`qualified_coverage`)."""
    member_ids = PoolMember.objects.filter(
        pool=pool, user__is_active=True, user_id__in=may_interview_user_ids()
    ).values("user_id")
    rows = list(
        PoolMember.objects.filter(pool=pool, user_id__in=member_ids).values_list(
            "user_id", "status", "user__interviewer_profile__weekly_limit"
        )
    )
    met = frozenset(
        SessionInterviewer.objects.filter(loop__candidate_id=candidate_id)
        .exclude(loop__status=Loop.Status.CANCELLED)
        .values_list("interviewer_id", flat=True)
        .union(
            SessionTrainee.objects.filter(loop__candidate_id=candidate_id)
            .exclude(loop__status=Loop.Status.CANCELLED)
            .values_list("trainee_id", flat=True),
            all=True,
        )
    )
    members = tuple(
        StaffMember(
            user=user_id,
            status=member_status,
            weekly_limit=weekly_limit,
            week_load=week_load.get(user_id, 0),
        )
        for user_id, member_status, weekly_limit in rows
    )
    return PoolStaffing(
        name=pool.name,
        members=members,
        trainees_per_session=trainees_per_session,
        met_candidate=met,
    )


def qualified_coverage(
    *, user_ids: Iterable[int]
) -> dict[int, tuple[frozenset[str] | None, frozenset[str] | None]]:
    """{user: (levels, competencies)} covered by the pools each user is qualified in (None:
    any, when one of those pools names none). Three queries."""
    memberships = list(
        PoolMember.objects.filter(
            user_id__in=list(user_ids), status=PoolMember.Status.QUALIFIED
        ).values_list("user_id", "pool_id")
    )
    pool_ids = {pool_id for _, pool_id in memberships}
    levels: defaultdict[int, set[str]] = defaultdict(set)
    for pool_id, slug in InterviewerPool.levels.through.objects.filter(
        interviewerpool_id__in=pool_ids
    ).values_list("interviewerpool_id", "level_id"):
        levels[pool_id].add(slug)
    competencies: defaultdict[int, set[str]] = defaultdict(set)
    for pool_id, slug in InterviewerPool.competencies.through.objects.filter(
        interviewerpool_id__in=pool_ids
    ).values_list("interviewerpool_id", "competency_id"):
        competencies[pool_id].add(slug)
    covered: dict[int, list] = {}
    for user_id, pool_id in memberships:
        mine = covered.setdefault(user_id, [set(), set()])
        for index, by_pool in enumerate((levels, competencies)):
            if mine[index] is None or not by_pool[pool_id]:
                mine[index] = None  # a pool that names none covers any
            else:
                mine[index] |= by_pool[pool_id]
    return {
        user_id: tuple(None if part is None else frozenset(part) for part in parts)
        for user_id, parts in covered.items()
    }


def bank_questions(*, level_slugs: Iterable[str]) -> list[BankQuestion]:
    """The active questions of the levels, with competencies and exposure (how many
    non-cancelled loops ask each one, from its `QuestionExposure` counter). Two queries whatever
    the bank's size and history."""
    levels = list(level_slugs)
    rows = Question.objects.filter(level_id__in=levels, is_active=True).values_list(
        "id", "level_id", "estimated_minutes", "exposure__loops"
    )
    competencies: defaultdict[int, list[str]] = defaultdict(list)
    for question_id, competency in Question.competencies.through.objects.filter(
        question__level_id__in=levels, question__is_active=True
    ).values_list("question_id", "competency_id"):
        competencies[question_id].append(competency)
    none: frozenset[str] = frozenset()
    return [
        BankQuestion(
            question_id,
            level,
            minutes,
            frozenset(competencies[question_id]) if question_id in competencies else none,
            exposure or 0,
        )
        for question_id, level, minutes, exposure in rows
    ]


def questions_asked_of(*, candidate_id: int) -> frozenset[int]:
    """Questions the candidate met in loops that were not cancelled."""
    return frozenset(
        SessionQuestion.objects.filter(loop__candidate_id=candidate_id)
        .exclude(loop__status=Loop.Status.CANCELLED)
        .values_list("question_id", flat=True)
    )


def upcoming_loads(*, interviewer_ids: Iterable[int] | QuerySet, now: datetime) -> dict[int, int]:
    """The interviewers' upcoming sessions: seats in draft or scheduled loops, unscheduled or
    in the future. One aggregated query."""
    if not isinstance(interviewer_ids, QuerySet):
        interviewer_ids = list(interviewer_ids)
    return dict(
        SessionInterviewer.objects.filter(
            interviewer_id__in=interviewer_ids, loop__status__in=UPCOMING_STATUSES
        )
        .filter(Q(session__scheduled_at__isnull=True) | Q(session__scheduled_at__gte=now))
        .values("interviewer_id")
        .annotate(n=Count("id"))
        .values_list("interviewer_id", "n")
    )


def question_pairings(*, interviewer_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """How often each of the interviewers asked each question, in loops not cancelled."""
    return {
        (interviewer_id, question_id): n
        for interviewer_id, question_id, n in SessionQuestion.objects.filter(
            session__session_interviewers__interviewer_id__in=list(interviewer_ids)
        )
        .exclude(loop__status=Loop.Status.CANCELLED)
        .values("session__session_interviewers__interviewer_id", "question_id")
        .annotate(n=Count("id"))
        .values_list("session__session_interviewers__interviewer_id", "question_id", "n")
    }


def loop_history(
    *, candidate_id: int, interviewer_ids: Iterable[int], now: datetime
) -> LoopHistory:
    """Questions the candidate met in non-cancelled loops, the interviewers' upcoming sessions
    (draft or scheduled loops, unscheduled or in the future) and their question pairings.
    Three queries whatever the bank's size."""
    interviewer_ids = list(interviewer_ids)
    return LoopHistory(
        asked_of_candidate=questions_asked_of(candidate_id=candidate_id),
        interviewer_load=upcoming_loads(interviewer_ids=interviewer_ids, now=now),
        pairings=question_pairings(interviewer_ids=interviewer_ids),
    )


def swap_inputs(
    *,
    loop: Loop,
    session: InterviewSession,
    loop_rows: Sequence[SessionQuestion],
    outgoing: SessionQuestion,
    now: datetime,
) -> tuple[SwapRequest, list[BankQuestion], LoopHistory]:
    """What `interviews.generator.swap_candidates` needs to replace `outgoing` in `session`:
    the request, the active questions of its level and the history of the session's
    interviewers. `loop_rows` are every question row of the loop, with their questions.
    Eight queries whatever the bank's size."""
    level = outgoing.question.level_id
    bank = bank_questions(level_slugs=[level])
    seated = tuple(
        SessionInterviewer.objects.filter(session=session)
        .order_by("position")
        .values_list("interviewer_id", flat=True)
    )
    loop_ids = frozenset(r.question_id for r in loop_rows)
    history = loop_history(candidate_id=loop.candidate_id, interviewer_ids=seated, now=now)
    # The loop's own questions are refused as "already in this loop", not as met before.
    history = LoopHistory(
        asked_of_candidate=history.asked_of_candidate - loop_ids,
        interviewer_load=history.interviewer_load,
        pairings=history.pairings,
    )
    # A question retired since the loop was planned is no longer in the bank's snapshot.
    question_out = next((q for q in bank if q.id == outgoing.question_id), None) or BankQuestion(
        id=outgoing.question_id,
        level=level,
        estimated_minutes=outgoing.estimated_minutes,
        is_active=False,
    )
    competencies: defaultdict[int, set[str]] = defaultdict(set)
    for question_id, competency in Question.competencies.through.objects.filter(
        question_id__in=loop_ids
    ).values_list("question_id", "competency_id"):
        competencies[question_id].add(competency)
    others = [r for r in loop_rows if r is not outgoing]
    request = SwapRequest(
        question_out=question_out,
        session_order=session.order,
        session_interviewers=seated,
        minutes_left=session.duration_minutes
        - sum(r.estimated_minutes for r in others if r.session_id == session.pk),
        loop_question_ids=loop_ids,
        covered_elsewhere=frozenset(c for r in others for c in competencies[r.question_id]),
        seed=loop.seed,
    )
    return request, bank, history


def swap_question_in(*, question_id: int, bank: Sequence[BankQuestion]) -> BankQuestion | None:
    """The question chosen to come in, as the generator sees it: from the level's `bank` when it
    is there, else read alone (it may be inactive or at another level); None if there is none."""
    chosen = next((q for q in bank if q.id == question_id), None)
    if chosen is not None:
        return chosen
    row = (
        Question.objects.filter(pk=question_id)
        .values_list("level_id", "estimated_minutes", "is_active")
        .first()
    )
    if row is None:
        return None
    return BankQuestion(id=question_id, level=row[0], estimated_minutes=row[1], is_active=row[2])
