"""Writes of scorecards: drafts, submission, amendments (API.md, Scoring).

Rules, each refused with a 4xx that says what to change:
- the author is the requesting user, who must be an interviewer of the session (SessionInterviewer)
  or one of its trainees (SessionTrainee: their scorecard is a shadow one, `shadow=True`, which
  never counts toward the loop's completion, its decision or the statistics);
- scorecards are written only while their loop is scheduled (amendments also once it completed);
- every rated criterion belongs to a question of the session, is active, and is rated once;
- submitting needs every active criterion of the session's questions rated and a recommendation;
- a submitted scorecard is never changed in place: `scorecard_amend` keeps what it said before,
  and the first submission stays readable by the statistics (see CriterionRating);
- amendments are refused once the loop is decided: a judgment cannot follow the decision;
- when every interviewer of every session of a loop has submitted, the loop becomes completed.

The database has the last word on races: one scorecard per interviewer per session is a unique
constraint (a second insert is a 409, never a 500), and a submission locks the loop row (until
its commit) so that the "everyone has submitted" check sees every scorecard committed before it
and a loop cancelled, or a candidate erased, meanwhile refuses it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError, ErrorCode
from core.roles import is_admin
from core.services import audit_record
from interviews.models import (
    Candidate,
    InterviewSession,
    Loop,
    SessionInterviewer,
    SessionQuestion,
    SessionTrainee,
)
from interviews.services.candidates import candidate_refuse_if_erased
from questionbank.models import RubricCriterion
from scoring.scorecards.events import scorecard_event_emit
from scoring.scorecards.models import (
    RECOMMENDATION_OPTIONS,
    CriterionRating,
    Scorecard,
    ScorecardRevision,
)
from scoring.scorecards.selectors import scorecard_ratings_snapshot, scorecard_visibility_filter


class ScorecardErrorCode(enum.StrEnum):
    UNKNOWN_SESSION = "unknown_session"
    NOT_SESSION_INTERVIEWER = "not_session_interviewer"
    NOT_SCORECARD_AUTHOR = "not_scorecard_author"
    LOOP_NOT_SCHEDULED = "loop_not_scheduled"
    SCORECARD_EXISTS = "scorecard_exists"
    SCORECARD_SUBMITTED = "scorecard_already_submitted"
    SCORECARD_NOT_SUBMITTED = "scorecard_not_submitted"
    SCORECARD_INCOMPLETE = "scorecard_incomplete"
    AMENDMENT_CHANGES_NOTHING = "amendment_changes_nothing"
    LOOP_DECIDED = "loop_decided"


class RatingInput(TypedDict):
    criterion: int
    rating: int
    note: str


@dataclass(frozen=True)
class SessionRubric:
    """The rubric criteria of a session's questions: criterion id -> question id, and which are
    still active (retired ones stay attached to the ratings given before they were retired)."""

    question_of: dict[int, int]
    active: frozenset[int]


def _session_rubric(*, session_id: int) -> SessionRubric:
    rows = RubricCriterion.objects.filter(
        question__session_questions__session_id=session_id
    ).values_list("id", "question_id", "is_active")
    question_of: dict[int, int] = {}
    active: set[int] = set()
    for criterion_id, question_id, is_active in rows:
        question_of[criterion_id] = question_id
        if is_active:
            active.add(criterion_id)
    return SessionRubric(question_of=question_of, active=frozenset(active))


@dataclass(frozen=True)
class SessionForCreate:
    loop: Loop  # its pk and status only
    seat_id: int | None  # the writer's SessionInterviewer row in the session, if any
    rubric: SessionRubric
    is_trainee: bool = False

    @property
    def loop_id(self) -> int:
        return self.loop.pk

    @property
    def is_interviewer(self) -> bool:
        return self.seat_id is not None

    @property
    def is_shadow(self) -> bool:
        """The writer sits in the session as a trainee only: their scorecard is a shadow one."""
        return self.is_trainee and not self.is_interviewer


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The session, its loop's status, the writer's seat in it (at most one: a unique constraint),
# whether the writer is one of its trainees (a shadow seat), and its rubric: one row per criterion
# of the session's questions, one row without a criterion when it has none, no row when there is
# no such session. Plain SQL: compiling the ORM form of this join cost more than running it, on
# every submission.
_SESSION_FOR_CREATE_SQL = f"""
SELECT session.loop_id, the_loop.status, seat.id,
    EXISTS (
        SELECT 1 FROM {_table(SessionTrainee)} AS trainee
        WHERE trainee.session_id = session.id AND trainee.trainee_id = %(interviewer_id)s
    ),
    criterion.id, criterion.question_id, criterion.is_active
FROM {_table(InterviewSession)} AS session
JOIN {_table(Loop)} AS the_loop ON the_loop.id = session.loop_id
LEFT JOIN {_table(SessionInterviewer)} AS seat
    ON seat.session_id = session.id AND seat.interviewer_id = %(interviewer_id)s
LEFT JOIN {_table(SessionQuestion)} AS asked ON asked.session_id = session.id
LEFT JOIN {_table(RubricCriterion)} AS criterion ON criterion.question_id = asked.question_id
WHERE session.id = %(session_id)s
"""


def _loop_lock_clause(*, submit: bool) -> str:
    """The row lock a new scorecard takes on its loop, held until commit.

    A submission locks the loop row exclusively (FOR UPDATE: the completion check must see
    every submission before it). A draft takes PostgreSQL's weakest row lock, FOR KEY SHARE:
    drafts of one loop share it and do not wait for each other, but it waits for, and makes
    wait, the FOR UPDATE of the erasure, a cancellation and a submission, so a draft is either
    committed before the erasure rewrites the loop's texts or sees the erasure and is refused.
    SQLite (`make run`) has no row locks: its writes are serialized by the database lock."""
    if not connection.features.has_select_for_update_of:
        return ""
    if submit or connection.vendor != "postgresql":
        return " FOR UPDATE OF the_loop"
    return " FOR KEY SHARE OF the_loop"


def _session_for_create(
    *, session_id: int, interviewer: AbstractBaseUser, submit: bool
) -> SessionForCreate | None:
    """A session's loop, the writer's seat in it and its rubric, in one query (None when there
    is no such session). The write path's first statement; the one place the seat is read.

    It also takes the loop's row lock (`_loop_lock_clause`: exclusive for a submission, shared
    for a draft); the loop status read is then the one committed last (PostgreSQL rereads a
    locked row it waited for).
    """
    sql = _SESSION_FOR_CREATE_SQL + _loop_lock_clause(submit=submit)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"session_id": session_id, "interviewer_id": interviewer.pk})
        rows = cursor.fetchall()
    if not rows:
        return None
    question_of: dict[int, int] = {}
    active: set[int] = set()
    for *_, criterion_id, question_id, is_active in rows:
        if criterion_id is not None:
            question_of[criterion_id] = question_id
            if is_active:
                active.add(criterion_id)
    loop_id, loop_status, seat_id, is_trainee = rows[0][:4]
    return SessionForCreate(
        loop=Loop(pk=loop_id, status=loop_status),
        seat_id=seat_id,
        is_trainee=is_trainee,
        rubric=SessionRubric(question_of=question_of, active=frozenset(active)),
    )


def _refuse(
    code: enum.Enum,
    message: str,
    status_code: int,
    *,
    field: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> ApplicationError:
    """The error to raise; `field` names the one input the message is about."""
    if field is not None:
        fields = {field: [message]}
    return ApplicationError(code, message, fields, status_code=status_code)


def _check_ratings(
    *,
    ratings: Sequence[RatingInput],
    rubric: SessionRubric,
    session_id: int,
    already_rated: Iterable[int] = (),
) -> None:
    """Every criterion belongs to the session's questions, is active (or already rated on this
    scorecard before it was retired), and appears once."""
    kept = set(already_rated)
    seen: set[int] = set()
    fields: dict[str, list[str]] = {}
    for index, item in enumerate(ratings):
        criterion_id = item["criterion"]
        field = f"ratings.{index}.criterion"
        if criterion_id not in rubric.question_of:
            fields[field] = [
                f"Criterion {criterion_id} is not on the rubric of a question of session "
                f"{session_id}; rate only the criteria of that session's questions."
            ]
        elif criterion_id in seen:
            fields[field] = [
                f"Criterion {criterion_id} is rated more than once; send one rating per criterion."
            ]
        elif criterion_id not in rubric.active and criterion_id not in kept:
            fields[field] = [
                f"Criterion {criterion_id} has been retired from its question's rubric; rate the "
                "question's active criteria instead."
            ]
        seen.add(criterion_id)
    if fields:
        first_field, messages = next(iter(fields.items()))
        raise _refuse(
            ErrorCode.VALIDATION_ERROR,
            f"{first_field}: {messages[0]}",
            status.HTTP_400_BAD_REQUEST,
            fields=fields,
        )


def _check_complete(*, rated: Iterable[int], rubric: SessionRubric, recommendation: str) -> None:
    """A submitted scorecard rates every active criterion and gives a recommendation."""
    missing = sorted(rubric.active - set(rated))
    fields: dict[str, list[str]] = {}
    if missing:
        fields["ratings"] = [
            "Rate every active criterion of the session's questions before submitting; missing "
            f"criteria: {', '.join(str(c) for c in missing)}."
        ]
    if not recommendation:
        fields["overall_recommendation"] = [
            f"Choose an overall recommendation ({RECOMMENDATION_OPTIONS}) before submitting."
        ]
    if fields:
        raise _refuse(
            ScorecardErrorCode.SCORECARD_INCOMPLETE,
            "The scorecard is not complete: " + " ".join(m[0] for m in fields.values()),
            status.HTTP_400_BAD_REQUEST,
            fields=fields,
        )


def _check_loop_open(*, loop: Loop, field: str, allow_completed: bool = False) -> None:
    allowed = {Loop.Status.SCHEDULED}
    if allow_completed:
        allowed.add(Loop.Status.COMPLETED)
    if loop.status not in allowed:
        message = (
            f"Loop {loop.pk} is {loop.status}; scorecards can be written only while the loop is "
            "scheduled."
        )
        raise _refuse(
            ScorecardErrorCode.LOOP_NOT_SCHEDULED, message, status.HTTP_409_CONFLICT, field=field
        )


def _refuse_if_candidate_erased(*, loop_id: int) -> None:
    """409 when the loop's candidate was erased: no new text about them.

    Precondition: the caller holds the loop's (or the scorecard's) row lock, which the erasure
    takes too, so this read (a statement of its own, with a fresh snapshot) sees an erasure
    that committed while the caller waited."""
    candidate = Candidate.objects.only("erased_at").filter(loops=loop_id).first()
    if candidate is not None:
        candidate_refuse_if_erased(candidate, field="session")


@dataclass(frozen=True, slots=True)
class RatingRow:
    """A rating as the response shows it (the fields ScorecardRatingOutputSerializer reads)."""

    criterion_id: int
    question_id_for_output: int
    rating: int
    note: str


def _rating_rows(
    *, scorecard: Scorecard, ratings: Sequence[RatingInput], rubric: SessionRubric
) -> list[CriterionRating]:
    """Insert the ratings in one statement; each row knows its question for the response."""
    rows = CriterionRating.objects.bulk_create(
        [
            CriterionRating(
                scorecard=scorecard,
                criterion_id=item["criterion"],
                rating=item["rating"],
                note=item.get("note", ""),
            )
            for item in ratings
        ]
    )
    for row in rows:
        row.question_id_for_output = rubric.question_of[row.criterion_id]
    return rows


def _column_values(instance: models.Model, fields: Sequence[models.Field]) -> list[Any]:
    return [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]


# Columns of a new scorecard's ratings other than these take their model default.
_RATING_INPUT_COLUMNS = ("criterion_id", "rating", "note")


@functools.cache
def _insert_scorecard_statement() -> tuple[str, list[models.Field], list[models.Field]]:
    """The one statement that writes a new scorecard and its ratings, and its fields.

    Every column of the scorecard comes from the model instance, so a field added to Scorecard is
    written without touching this. The ratings arrive as three arrays (UNNEST): no model
    instance per rating. Nothing is written, and the statement says why, when the loop's
    candidate was erased or when the interviewer already has a
    scorecard for the session (ON CONFLICT DO NOTHING on the one-scorecard-per-seat constraint:
    no error, so no savepoint is needed to answer the 409 afterwards).
    """
    quote = connection.ops.quote_name
    # A field with only a database default (db_default, no default) is left to the database.
    card_fields = [
        f
        for f in Scorecard._meta.concrete_fields
        if not f.primary_key and (f.has_default() or not f.has_db_default())
    ]
    rating = CriterionRating._meta
    inputs = [rating.get_field(name.removesuffix("_id")) for name in _RATING_INPUT_COLUMNS]
    constants = [
        f
        for f in rating.concrete_fields
        if not f.primary_key and f.attname not in ("scorecard_id", *_RATING_INPUT_COLUMNS)
    ]
    sql = f"""
WITH candidate AS (
    SELECT candidate.id, candidate.erased_at
    FROM {_table(Loop)} AS the_loop
    JOIN {_table(Candidate)} AS candidate ON candidate.id = the_loop.candidate_id
    WHERE the_loop.id = %s
), card AS (
    INSERT INTO {_table(Scorecard)} ({", ".join(quote(f.column) for f in card_fields)})
    SELECT {", ".join(["%s"] * len(card_fields))}
    WHERE NOT EXISTS (SELECT 1 FROM candidate WHERE erased_at IS NOT NULL)
    ON CONFLICT ON CONSTRAINT scorecard_unique_interviewer_session DO NOTHING
    RETURNING id
), rated AS (
    INSERT INTO {_table(CriterionRating)} (scorecard_id, {
        ", ".join(quote(f.column) for f in (*inputs, *constants))
    })
    SELECT card.id, {", ".join(f"given.{quote(f.column)}" for f in inputs)}{
        "".join(f", %s::{f.db_type(connection)}" for f in constants)
    }
    FROM card, UNNEST({", ".join(f"%s::{f.db_type(connection)}[]" for f in inputs)})
        AS given ({", ".join(quote(f.column) for f in inputs)})
)
SELECT (SELECT id FROM card), candidate.id, candidate.erased_at FROM candidate
"""
    return sql, card_fields, constants


def _insert_scorecard(
    *,
    scorecard: Scorecard,
    ratings: Sequence[RatingInput],
    rubric: SessionRubric,
) -> None:
    """Write `scorecard` (its pk is set) and its ratings, in one statement on PostgreSQL, with
    `rating_rows` for the response; or write nothing and refuse: 409 when the interviewer
    already has a scorecard for the session (committed, or committed by a concurrent request
    this one waited for), or when the loop's candidate was erased (a draft as much as a
    submission: no new text about them).

    Precondition: the caller holds a row lock on the loop that conflicts with the erasure's
    (`_loop_lock_clause`), so this statement (a new snapshot) sees an erasure committed while it
    waited, and an erasure that comes later waits for this transaction and rewrites its texts."""
    if connection.vendor == "postgresql":
        _insert_scorecard_in_one_statement(scorecard=scorecard, ratings=ratings)
    else:
        _insert_scorecard_portable(scorecard=scorecard, ratings=ratings)
    scorecard.rating_rows = [
        RatingRow(
            item["criterion"],
            rubric.question_of[item["criterion"]],
            item["rating"],
            item.get("note", ""),
        )
        for item in ratings
    ]


def _insert_scorecard_in_one_statement(
    *, scorecard: Scorecard, ratings: Sequence[RatingInput]
) -> None:
    sql, card_fields, constants = _insert_scorecard_statement()
    params = [
        scorecard.loop_id,
        *_column_values(scorecard, card_fields),
        *(f.get_db_prep_save(f.get_default(), connection) for f in constants),
        [item["criterion"] for item in ratings],
        [item["rating"] for item in ratings],
        [item.get("note", "") for item in ratings],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        scorecard_id, candidate_id, erased_at = cursor.fetchone()
    candidate_refuse_if_erased(Candidate(pk=candidate_id, erased_at=erased_at), field="session")
    if scorecard_id is None:
        raise _refuse_second_scorecard(
            session_id=scorecard.session_id, interviewer_id=scorecard.interviewer_id
        )
    scorecard.pk = scorecard_id
    scorecard._state.adding = False


def _insert_scorecard_portable(*, scorecard: Scorecard, ratings: Sequence[RatingInput]) -> None:
    """`_insert_scorecard` through the ORM, for a database without INSERT in WITH or UNNEST
    (SQLite, `make run`), whose writes are serialized by the database lock."""
    _refuse_if_candidate_erased(loop_id=scorecard.loop_id)
    if Scorecard.objects.filter(
        session_id=scorecard.session_id, interviewer_id=scorecard.interviewer_id
    ).exists():
        raise _refuse_second_scorecard(
            session_id=scorecard.session_id, interviewer_id=scorecard.interviewer_id
        )
    scorecard.save(force_insert=True)
    CriterionRating.objects.bulk_create(
        CriterionRating(
            scorecard=scorecard,
            criterion_id=item["criterion"],
            rating=item["rating"],
            note=item.get("note", ""),
        )
        for item in ratings
    )


def _lock_scheduled_loop(*, loop_id: int, allow_completed: bool = False) -> None:
    """Take the loop's row lock and check, under it, that the loop is still scheduled and its
    candidate not erased (submitting a draft)."""
    loop_status = (
        Loop.objects.select_for_update().filter(pk=loop_id).values_list("status", flat=True).first()
    )
    _check_loop_open(
        loop=Loop(pk=loop_id, status=loop_status), field="session", allow_completed=allow_completed
    )
    _refuse_if_candidate_erased(loop_id=loop_id)


# One conditional UPDATE: the loop becomes completed when no interviewer of any of its sessions
# is without a submitted scorecard. Written out once: built through the ORM (two nested Exists),
# compiling it cost more than running it, on every submission.
_COMPLETE_LOOP_SQL = f"""
UPDATE {_table(Loop)} AS the_loop SET status = %(completed)s, updated_at = %(now)s
WHERE the_loop.id = %(loop_id)s AND the_loop.status = %(scheduled)s AND NOT EXISTS (
    SELECT 1 FROM {_table(SessionInterviewer)} AS seat
    WHERE seat.loop_id = the_loop.id AND NOT EXISTS (
        SELECT 1 FROM {_table(Scorecard)} AS card
        WHERE card.session_id = seat.session_id AND card.interviewer_id = seat.interviewer_id
        AND card.status = %(submitted)s
    )
)
"""


def _loop_complete_if_all_submitted(*, loop_id: int) -> bool:
    """Mark the loop completed once every interviewer of every session has submitted.

    Precondition: the caller holds the loop's row lock, taken before this statement, so the
    check (a new snapshot under READ COMMITTED) sees every scorecard submitted before ours.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _COMPLETE_LOOP_SQL,
            {
                "completed": Loop.Status.COMPLETED.value,
                "now": timezone.now(),
                "loop_id": loop_id,
                "scheduled": Loop.Status.SCHEDULED.value,
                "submitted": Scorecard.Status.SUBMITTED.value,
            },
        )
        return cursor.rowcount == 1


def _refuse_second_scorecard(*, session_id: int, interviewer_id: int) -> ApplicationError:
    existing = (
        Scorecard.objects.filter(session_id=session_id, interviewer_id=interviewer_id)
        .values_list("pk", flat=True)
        .first()
    )
    message = (
        f"You already have a scorecard for session {session_id} (id {existing}); change the "
        f"draft with PATCH /api/v1/scorecards/{existing}/, or amend it once submitted."
    )
    return _refuse(
        ScorecardErrorCode.SCORECARD_EXISTS, message, status.HTTP_409_CONFLICT, field="session"
    )


def _session_to_write_in(
    *, session_id: int, interviewer: AbstractBaseUser, submit: bool
) -> SessionForCreate:
    """The session, if `interviewer` may write its scorecard now (else the refusal)."""
    session = _session_for_create(session_id=session_id, interviewer=interviewer, submit=submit)
    if session is None:
        message = (
            f"No session with id {session_id} exists; send the id of a session you interview in."
        )
        raise _refuse(
            ScorecardErrorCode.UNKNOWN_SESSION,
            message,
            status.HTTP_400_BAD_REQUEST,
            field="session",
        )
    if not (session.is_interviewer or session.is_trainee):
        message = (
            f"You are not an interviewer of session {session_id}; only its interviewers (and "
            "its trainees, as shadows) write its scorecards."
        )
        raise _refuse(
            ScorecardErrorCode.NOT_SESSION_INTERVIEWER,
            message,
            status.HTTP_403_FORBIDDEN,
            field="session",
        )
    # A trainee's shadow scorecard may follow the loop's completion (it never gates it).
    _check_loop_open(loop=session.loop, field="session", allow_completed=session.is_shadow)
    return session


def _transaction() -> AbstractContextManager:
    """The caller's transaction when there is one (no savepoint: `scorecard_create` refuses
    before its first write, so a refusal leaves nothing to undo), else a new one."""
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


def scorecard_create(
    *,
    interviewer: AbstractBaseUser,
    session_id: int,
    overall_recommendation: str = "",
    summary: str = "",
    ratings: Sequence[RatingInput] = (),
    submit: bool = False,
) -> Scorecard:
    """Write the requesting interviewer's scorecard for a session, as a draft or submitted.

    One transaction and three statements at most whatever the number of ratings: read the
    session, the seat and the rubric under a row lock on the loop; write the scorecard and its
    ratings, unless the loop's candidate was erased (a draft is refused like a submission);
    on submit, complete the loop if this was its last scorecard. Every refusal comes before
    the first write. A second scorecard for the same interviewer and session is refused by the
    unique constraint and answered with a 409, also when two requests race.

    Lock order: the loop's row lock is taken before the insert (exclusive for a submission,
    shared among drafts: `_loop_lock_clause`), so two submissions of one seat never wait for
    each other in opposite orders; the lock is held until the commit, so the completion check
    sees every scorecard committed before it, and an erasure or a cancellation (which take the
    loop's row lock FOR UPDATE) either comes before (and refuses this) or after (and then sees
    this scorecard, and erases its texts).
    """
    with _transaction():
        session = _session_to_write_in(
            session_id=session_id, interviewer=interviewer, submit=submit
        )
        rubric = session.rubric
        _check_ratings(ratings=ratings, rubric=rubric, session_id=session_id)
        if submit:
            _check_complete(
                rated=(item["criterion"] for item in ratings),
                rubric=rubric,
                recommendation=overall_recommendation,
            )
        now = timezone.now()
        scorecard = Scorecard(
            session_id=session_id,
            loop_id=session.loop_id,
            interviewer=interviewer,
            shadow=session.is_shadow,
            status=Scorecard.Status.SUBMITTED if submit else Scorecard.Status.DRAFT,
            overall_recommendation=overall_recommendation,
            summary=summary,
            submitted_at=now if submit else None,
            created_at=now,
            updated_at=now,
        )
        _insert_scorecard(scorecard=scorecard, ratings=ratings, rubric=rubric)
        if submit:
            _loop_complete_if_all_submitted(loop_id=session.loop_id)
            scorecard_event_emit(event="scorecard.submitted", scorecard=scorecard)
        return scorecard


def _scorecard_for_write(*, user: AbstractBaseUser, scorecard_id: int) -> Scorecard:
    """The scorecard, row-locked, if `user` may see it (else a 404, as for a read).

    Lock order everywhere: the scorecard row first, then the loop row.
    """
    scorecard = (
        Scorecard.objects.select_related("loop")
        .select_for_update(of=("self",))
        .filter(scorecard_visibility_filter(user=user), pk=scorecard_id)
        .first()
    )
    if scorecard is None:
        raise _refuse(
            ErrorCode.NOT_FOUND,
            f"No scorecard {scorecard_id} that you can see.",
            status.HTTP_404_NOT_FOUND,
        )
    return scorecard


def _require_author(*, scorecard: Scorecard, user: AbstractBaseUser, allow_admin: bool) -> None:
    if scorecard.interviewer_id == user.pk or (allow_admin and is_admin(user)):
        return
    raise _refuse(
        ScorecardErrorCode.NOT_SCORECARD_AUTHOR,
        f"Only the interviewer who wrote scorecard {scorecard.pk} may change it.",
        status.HTTP_403_FORBIDDEN,
    )


def _replace_ratings(
    *, scorecard: Scorecard, ratings: Sequence[RatingInput], rubric: SessionRubric
) -> None:
    CriterionRating.objects.filter(scorecard=scorecard).delete()
    _rating_rows(scorecard=scorecard, ratings=ratings, rubric=rubric)


def _rated_criteria(*, scorecard: Scorecard) -> set[int]:
    return set(
        CriterionRating.objects.filter(scorecard=scorecard, withdrawn=False).values_list(
            "criterion_id", flat=True
        )
    )


@transaction.atomic
def scorecard_update(
    *,
    user: AbstractBaseUser,
    scorecard_id: int,
    overall_recommendation: str | None = None,
    summary: str | None = None,
    ratings: Sequence[RatingInput] | None = None,
) -> Scorecard:
    """Change the author's draft. None leaves a field as it is; `ratings` replaces all ratings.

    A submitted scorecard is refused with a 409 that points at amend.
    """
    scorecard = _scorecard_for_write(user=user, scorecard_id=scorecard_id)
    _require_author(scorecard=scorecard, user=user, allow_admin=False)
    if scorecard.status == Scorecard.Status.SUBMITTED:
        message = (
            f"Scorecard {scorecard.pk} has been submitted and is never changed in place; use "
            f"POST /api/v1/scorecards/{scorecard.pk}/amend/ with a reason to change it."
        )
        raise _refuse(
            ScorecardErrorCode.SCORECARD_SUBMITTED,
            message,
            status.HTTP_409_CONFLICT,
            field="status",
        )
    _check_loop_open(loop=scorecard.loop, field="session", allow_completed=scorecard.shadow)
    # A draft write takes no loop lock; the scorecard's row lock is the one the erasure shares.
    _refuse_if_candidate_erased(loop_id=scorecard.loop_id)
    if ratings is not None:
        rubric = _session_rubric(session_id=scorecard.session_id)
        _check_ratings(
            ratings=ratings,
            rubric=rubric,
            session_id=scorecard.session_id,
            already_rated=_rated_criteria(scorecard=scorecard),
        )
        _replace_ratings(scorecard=scorecard, ratings=ratings, rubric=rubric)
    if overall_recommendation is not None:
        scorecard.overall_recommendation = overall_recommendation
    if summary is not None:
        scorecard.summary = summary
    scorecard.updated_at = timezone.now()
    scorecard.save(update_fields=["overall_recommendation", "summary", "updated_at"])
    return scorecard


@transaction.atomic
def scorecard_submit(*, user: AbstractBaseUser, scorecard_id: int) -> Scorecard:
    """Submit the author's draft once it is complete; may complete the loop."""
    scorecard = _scorecard_for_write(user=user, scorecard_id=scorecard_id)
    _require_author(scorecard=scorecard, user=user, allow_admin=False)
    if scorecard.status == Scorecard.Status.SUBMITTED:
        message = (
            f"Scorecard {scorecard.pk} was already submitted at "
            f"{scorecard.submitted_at.isoformat()}; to change it, POST "
            f"/api/v1/scorecards/{scorecard.pk}/amend/ with a reason."
        )
        raise _refuse(
            ScorecardErrorCode.SCORECARD_SUBMITTED,
            message,
            status.HTTP_409_CONFLICT,
            field="status",
        )
    _check_loop_open(loop=scorecard.loop, field="session", allow_completed=scorecard.shadow)
    _check_complete(
        rated=_rated_criteria(scorecard=scorecard),
        rubric=_session_rubric(session_id=scorecard.session_id),
        recommendation=scorecard.overall_recommendation,
    )
    now = timezone.now()
    scorecard.status = Scorecard.Status.SUBMITTED
    scorecard.submitted_at = now
    scorecard.updated_at = now
    scorecard.save(update_fields=["status", "submitted_at", "updated_at"])
    # Scorecard row first, then the loop row (see _scorecard_for_write).
    _lock_scheduled_loop(loop_id=scorecard.loop_id, allow_completed=scorecard.shadow)
    _loop_complete_if_all_submitted(loop_id=scorecard.loop_id)
    scorecard_event_emit(event="scorecard.submitted", scorecard=scorecard)
    return scorecard


def _lock_loop_for_amendment(*, loop_id: int) -> None:
    """Take the loop's row lock and check, under it, that the loop is scheduled or completed
    and not decided. `loop_decide` takes the same lock, so an amendment and the decision never
    pass each other. Lock order: the scorecard row (already held), then the loop row."""
    loop_status, decision = (
        Loop.objects.select_for_update()
        .filter(pk=loop_id)
        .values_list("status", "decision")
        .first()
    )
    if decision:
        message = (
            f"Loop {loop_id} was decided ({decision}); its scorecards can no longer be amended, "
            "so that no judgment follows the decision. Write any further remark elsewhere."
        )
        raise _refuse(
            ScorecardErrorCode.LOOP_DECIDED, message, status.HTTP_409_CONFLICT, field="loop"
        )
    _check_loop_open(
        loop=Loop(pk=loop_id, status=loop_status), field="session", allow_completed=True
    )
    _refuse_if_candidate_erased(loop_id=loop_id)


def _can_read_a_peer(*, user: AbstractBaseUser, scorecard: Scorecard) -> bool:
    """Whether `user` can read, now, a submitted scorecard of another interviewer of the loop.

    Precondition: the caller holds the loop's row lock, so every submission in the loop that
    committed before it is seen (submissions take that lock before they commit).
    """
    return (
        Scorecard.objects.filter(
            scorecard_visibility_filter(user=user),
            loop_id=scorecard.loop_id,
            status=Scorecard.Status.SUBMITTED,
        )
        .exclude(interviewer_id=scorecard.interviewer_id)
        .exists()
    )


def _amend_ratings(
    *, scorecard: Scorecard, ratings: Sequence[RatingInput], rubric: SessionRubric
) -> None:
    """Make the current ratings equal `ratings` without losing what the first submission said.

    Rows are changed in place rather than replaced: a row of the first submission keeps its
    first rating in `first_rating` (set by the first amendment that touches it); one the
    amendment drops is `withdrawn` (hidden, kept for the statistics); a criterion rated for the
    first time is a new row outside the first submission. At most three statements.
    """
    rows = {row.criterion_id: row for row in CriterionRating.objects.filter(scorecard=scorecard)}
    wanted = {item["criterion"]: item for item in ratings}
    changed: list[CriterionRating] = []
    dropped: list[int] = []
    for criterion_id, row in rows.items():
        item = wanted.get(criterion_id)
        if item is None and (row.withdrawn or not row.in_first_submission):
            if not row.in_first_submission:
                dropped.append(row.pk)
            continue
        if row.first_rating is None and row.in_first_submission:
            row.first_rating = row.rating
        if item is None:
            row.withdrawn = True
        else:
            row.rating, row.note, row.withdrawn = item["rating"], item.get("note", ""), False
        changed.append(row)
    if changed:
        CriterionRating.objects.bulk_update(
            changed, ["rating", "note", "first_rating", "withdrawn"]
        )
    if dropped:
        CriterionRating.objects.filter(pk__in=dropped).delete()
    added = [item for criterion_id, item in wanted.items() if criterion_id not in rows]
    if added:
        CriterionRating.objects.bulk_create(
            CriterionRating(
                scorecard=scorecard,
                criterion_id=item["criterion"],
                rating=item["rating"],
                note=item.get("note", ""),
                in_first_submission=False,
            )
            for item in added
        )


def _ratings_key(ratings: Iterable[dict[str, Any]]) -> list[tuple[int, int, str]]:
    return sorted((r["criterion"], r["rating"], r.get("note", "")) for r in ratings)


@transaction.atomic
def scorecard_amend(
    *,
    user: AbstractBaseUser,
    scorecard_id: int,
    reason: str,
    overall_recommendation: str | None = None,
    summary: str | None = None,
    ratings: Sequence[RatingInput] | None = None,
) -> Scorecard:
    """Change a submitted scorecard, keeping what it said before as a ScorecardRevision.

    The revision records who amended it, when, why, the previous recommendation, summary and
    ratings, and whether the amender could then read a peer's submitted scorecard in the loop
    (when the amender is the author, the scorecard is marked `amended_after_peer_view`);
    `revision` goes up by one and the amendment is written to the audit trail. The author (or
    an admin) may amend while the loop is scheduled or completed and not yet decided. `ratings`,
    when given, replaces every rating and must still rate every active criterion; the first
    submitted ratings and recommendation stay readable (`first_rating`, `first_recommendation`).
    """
    scorecard = _scorecard_for_write(user=user, scorecard_id=scorecard_id)
    _require_author(scorecard=scorecard, user=user, allow_admin=True)
    if scorecard.status != Scorecard.Status.SUBMITTED:
        message = (
            f"Scorecard {scorecard.pk} is a draft; change it with PATCH "
            f"/api/v1/scorecards/{scorecard.pk}/ and submit it. Only submitted scorecards are "
            "amended."
        )
        raise _refuse(
            ScorecardErrorCode.SCORECARD_NOT_SUBMITTED,
            message,
            status.HTTP_409_CONFLICT,
            field="status",
        )
    _lock_loop_for_amendment(loop_id=scorecard.loop_id)
    previous_ratings = scorecard_ratings_snapshot(scorecard=scorecard)
    changed: list[str] = []
    if overall_recommendation is not None and (
        overall_recommendation != scorecard.overall_recommendation
    ):
        changed.append("overall_recommendation")
    if summary is not None and summary != scorecard.summary:
        changed.append("summary")
    rubric: SessionRubric | None = None
    if ratings is not None:
        rubric = _session_rubric(session_id=scorecard.session_id)
        _check_ratings(
            ratings=ratings,
            rubric=rubric,
            session_id=scorecard.session_id,
            already_rated=(r["criterion"] for r in previous_ratings),
        )
        _check_complete(
            rated=(item["criterion"] for item in ratings),
            rubric=rubric,
            recommendation=overall_recommendation or scorecard.overall_recommendation,
        )
        if _ratings_key(ratings) != _ratings_key(previous_ratings):
            changed.append("ratings")
    if not changed:
        raise _refuse(
            ScorecardErrorCode.AMENDMENT_CHANGES_NOTHING,
            "The amendment changes nothing; send a different overall_recommendation, summary or "
            "ratings.",
            status.HTTP_400_BAD_REQUEST,
            fields={"non_field_errors": ["Nothing differs from the submitted scorecard."]},
        )
    could_read_peers = _can_read_a_peer(user=user, scorecard=scorecard)
    ScorecardRevision.objects.create(
        scorecard=scorecard,
        revision=scorecard.revision,
        amended_by=user,
        amended_at=timezone.now(),
        reason=reason,
        previous={
            "overall_recommendation": scorecard.overall_recommendation,
            "summary": scorecard.summary,
            "ratings": previous_ratings,
        },
        author_could_read_peers=could_read_peers,
    )
    if ratings is not None and rubric is not None:
        _amend_ratings(scorecard=scorecard, ratings=ratings, rubric=rubric)
    if overall_recommendation is not None:
        if not scorecard.first_recommendation:
            # Set once, by the first amendment: what the statistics read from now on.
            scorecard.first_recommendation = scorecard.overall_recommendation
        scorecard.overall_recommendation = overall_recommendation
    if summary is not None:
        scorecard.summary = summary
    if could_read_peers and user.pk == scorecard.interviewer_id:
        scorecard.amended_after_peer_view = True
    old_revision = scorecard.revision
    scorecard.revision = old_revision + 1
    scorecard.updated_at = timezone.now()
    scorecard.save(
        update_fields=[
            "overall_recommendation",
            "first_recommendation",
            "summary",
            "amended_after_peer_view",
            "revision",
            "updated_at",
        ]
    )
    audit_record(
        actor=user,
        action="scorecard.amended",
        target=scorecard,
        changes={
            "revision": [old_revision, scorecard.revision],
            "reason": reason,
            "fields": changed,
        },
    )
    scorecard_event_emit(event="scorecard.amended", scorecard=scorecard)
    return scorecard
