"""Reads for calibration reports: the report rows, and the loader that flattens submitted scorecards
into the numpy arrays of `scoring.calibration.inputs.CalibrationInputs`.

The loader never builds one model object per rating, nor touches rows one by one in Python. On
PostgreSQL each table is one SQL statement whose int8 columns the server packs into a single
binary bytea (`string_agg(int8send(...))`), which numpy reinterprets in one call; a rating is
two such columns, everything else is read once per scorecard or criterion. Elsewhere
(SQLite on a laptop) cursor rows go to numpy in chunks. SQL does the joins and the filtering;
numpy does the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import psycopg
import psycopg.sql
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, QuerySet

from interviews import permissions
from interviews.models import Loop, LoopTemplate
from questionbank.models import Question, RubricCriterion
from scoring.calibration.inputs import CalibrationInputs, distinct_ids
from scoring.calibration.trainees import TraineeInputs
from scoring.reports.models import CalibrationReport
from scoring.scorecards.models import CriterionRating, Recommendation, Scorecard

T = TypeVar("T")
logger = logging.getLogger(__name__)


class _NoSecondConnection(Exception):
    pass


_VALUES_LIST_CHUNK = 50_000
# A rating travels packed with its scorecard id (and criterion id): see `_ratings_sql`.
_RATING_SLOTS = 8
_CRITERION_SLOTS = 1 << 20
# The recommendation as its score on the statistics' scale (strong_no 1 ... strong_yes 4), in SQL.
# Built from code constants only: no client text reaches it.
# The first submitted one: `first_recommendation` is set once an amendment changed it.
_FIRST_RECOMMENDATION_SCORE_SQL = (
    "CASE COALESCE(NULLIF(s.first_recommendation, ''), s.overall_recommendation) "
    + " ".join(f"WHEN '{r.value}' THEN {r.score}" for r in Recommendation)
    + " END"
)


def calibration_report_list(*, user) -> QuerySet[CalibrationReport]:
    """Reports the user may read, newest first, without `result` (large; lists do not show it).

    Recruiters and admins read every report; anyone else (a hiring manager) the ones they
    requested, which cover only their own jobs."""
    reports = CalibrationReport.objects.defer("result").order_by("-id")
    if permissions.calibrated_job_ids(user) is None:
        return reports
    return reports.filter(requested_by=user)


def calibration_report_get(*, user, report_id: int) -> CalibrationReport | None:
    return calibration_report_list(user=user).defer(None).filter(id=report_id).first()


@dataclass(frozen=True)
class CalibrationScope:
    """Which submitted scorecards a report covers (API.md, Calibration: `filters`).

    `since` and `until` are inclusive calendar dates (UTC) of the scorecard's submission.
    """

    job: int | None = None
    # Jobs the requester may calibrate; None = the whole organisation.
    jobs: Sequence[int] | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    interviewers: Sequence[int] = field(default_factory=tuple)
    levels: Sequence[str] = field(default_factory=tuple)
    questions: Sequence[int] = field(default_factory=tuple)
    # Not a filter of scorecards: the period of the report's drift section.
    granularity: str = "quarter"

    @classmethod
    def from_filters(
        cls, filters: dict[str, Any], job_scope: Sequence[int] | None = None
    ) -> CalibrationScope:
        """From the JSON stored on the report (validated when it was requested)."""

        def as_date(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(
            job=filters.get("job"),
            jobs=None if job_scope is None else tuple(job_scope),
            since=as_date(filters.get("since")),
            until=as_date(filters.get("until")),
            interviewers=tuple(filters.get("interviewers") or ()),
            levels=tuple(filters.get("levels") or ()),
            questions=tuple(filters.get("questions") or ()),
            granularity=filters.get("granularity") or "quarter",
        )

    @property
    def needs_template(self) -> bool:
        """Job conditions read the loop's template."""
        return self.job is not None or self.jobs is not None

    def describe(self) -> str:
        """The filters in a recruiter's words, for messages."""
        parts = []
        if self.job is not None:
            parts.append(f"job {self.job}")
        elif self.jobs is not None:
            parts.append(f"your jobs ({', '.join(map(str, self.jobs)) or 'none'})")
        if self.since is not None:
            parts.append(f"submitted on or after {self.since.isoformat()}")
        if self.until is not None:
            parts.append(f"submitted on or before {self.until.isoformat()}")
        if self.interviewers:
            parts.append(f"interviewers {', '.join(map(str, self.interviewers))}")
        if self.levels:
            parts.append(f"levels {', '.join(self.levels)}")
        if self.questions:
            parts.append(f"questions {', '.join(map(str, self.questions))}")
        return "; ".join(parts) if parts else "no filters"


def _tables() -> dict[str, str]:
    return {
        "rating": CriterionRating._meta.db_table,
        "card": Scorecard._meta.db_table,
        "loop": Loop._meta.db_table,
        "template": LoopTemplate._meta.db_table,
        "criterion": RubricCriterion._meta.db_table,
        "question": Question._meta.db_table,
    }


def _card_conditions(scope: CalibrationScope, params: list[Any]) -> list[str]:
    """WHERE terms on the scorecard `s` (and its loop `l`, template `t` when a job is given)."""
    # Shadow scorecards (trainees) stay out of every main statistic (API.md additions, pools).
    where = ["s.status = 'submitted'", "NOT s.shadow"]
    where += _job_and_date_conditions(scope, params, card="s", template="t")
    if scope.interviewers:
        where.append(_in_list("s.interviewer_id", scope.interviewers, params, int))
    return where


def _job_and_date_conditions(
    scope: CalibrationScope, params: list[Any], *, card: str, template: str
) -> list[str]:
    """WHERE terms of the scope's job(s) (on the template alias) and submission dates (on the
    scorecard alias)."""
    where = []
    if scope.job is not None:
        where.append(f"{template}.job_id = %s")
        params.append(int(scope.job))
    if scope.jobs is not None:
        # An empty scope matches nothing (a hiring manager on no team).
        where.append(
            _in_list(f"{template}.job_id", scope.jobs, params, int) if scope.jobs else "FALSE"
        )
    if scope.since is not None:
        where.append(f"{card}.submitted_at >= %s")
        params.append(dt.datetime.combine(scope.since, dt.time.min, tzinfo=dt.UTC))
    if scope.until is not None:
        where.append(f"{card}.submitted_at < %s")
        params.append(dt.datetime.combine(scope.until + dt.timedelta(days=1), dt.time.min, dt.UTC))
    return where


def _rating_conditions(scope: CalibrationScope, params: list[Any]) -> list[str]:
    """WHERE terms on the criterion `c` and question `q` of a rating."""
    where = []
    if scope.levels:
        where.append(_in_list("q.level_id", scope.levels, params, str))
    if scope.questions:
        where.append(_in_list("c.question_id", scope.questions, params, int))
    return where


def _in_list(column: str, values: Sequence[Any], params: list[Any], cast: Callable) -> str:
    params.extend(cast(v) for v in values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _ratings_sql(scope: CalibrationScope, one_column: bool) -> tuple[str, list[Any]]:
    """Per rating its scorecard id, criterion id and rating (0..4 fits in 3 bits), packed into
    one int8 column when `one_column` (ids below the bounds of `_packs_in_one_column`):
    (scorecard * 2^20 + criterion) * 8 + rating; else into two: scorecard * 8 + rating, and
    criterion. Everything else about a rating is its scorecard's or its criterion's, read once
    per scorecard / criterion (`_cards_sql`, `_criteria_load`) and spread in numpy: the per-row
    work PostgreSQL does is what the report's loading costs (issue 15's benchmark)."""
    t = _tables()
    params: list[Any] = []
    where = _card_conditions(scope, params) + _rating_conditions(scope, params)
    joins = [f"JOIN {t['card']} s ON s.id = r.scorecard_id"]
    if scope.needs_template:
        joins.append(f"JOIN {t['loop']} l ON l.id = s.loop_id")
        joins.append(f"JOIN {t['template']} t ON t.id = l.template_id")
    if scope.levels or scope.questions:
        joins.append(f"JOIN {t['criterion']} c ON c.id = r.criterion_id")
    if scope.levels:
        joins.append(f"JOIN {t['question']} q ON q.id = c.question_id")
    # The first submission (the independent judgment; see CriterionRating): a rating an
    # amendment changed reads its first value, one it added is left out, one it withdrew stays.
    where.append("r.in_first_submission")
    columns = _packed_rating_columns(one_column)
    sql = f"SELECT {columns} FROM {t['rating']} r {' '.join(joins)} WHERE {' AND '.join(where)}"
    return sql, params


def _packed_rating_columns(one_column: bool) -> str:
    """The SELECT list of a rating `r` packed with its scorecard and criterion (`_ratings_sql`):
    its first submitted value."""
    rating = "COALESCE(r.first_rating, r.rating)"
    if one_column:
        return (
            f"((r.scorecard_id * {_CRITERION_SLOTS} + r.criterion_id) * {_RATING_SLOTS} "
            f"+ {rating})::int8"
        )
    return f"(r.scorecard_id * {_RATING_SLOTS} + {rating})::int8, r.criterion_id::int8"


def _unpack_ratings(columns: list[np.ndarray], one_column: bool) -> tuple[np.ndarray, ...]:
    """Scorecard id, criterion id and rating from `_packed_rating_columns`' one or two columns."""
    if one_column:
        (packed,) = columns
        scorecard_and_criterion, rating = np.divmod(packed, _RATING_SLOTS)
        scorecard, criterion = np.divmod(scorecard_and_criterion, _CRITERION_SLOTS)
        return scorecard, criterion, rating
    packed, criterion = columns
    scorecard, rating = np.divmod(packed, _RATING_SLOTS)
    return scorecard, criterion, rating


def _packs_in_one_column() -> bool:
    """Whether every rating's (scorecard, criterion, rating) fits one int8 (see `_ratings_sql`):
    criterion ids below 2^20 and scorecard ids below 2^40 (two indexed max(), over every
    criterion and scorecard: the scope's are among them)."""
    top_criterion = RubricCriterion.objects.aggregate(top=Max("id"))["top"] or 0
    top_card = Scorecard.objects.aggregate(top=Max("id"))["top"] or 0
    return top_criterion < _CRITERION_SLOTS and top_card < 2**40


def _ratings_load(
    scope: CalibrationScope, one_column: bool, side: psycopg.Connection | None = None
) -> tuple[np.ndarray, ...]:
    """Per rating: scorecard id, criterion id and rating, in one or two packed columns (on
    `side`, a connection of its own, when given)."""
    sql, params = _ratings_sql(scope, one_column=one_column)
    columns = _fetch_int_columns(sql, params, 1 if one_column else 2, side=side)
    return _unpack_ratings(columns, one_column)


def _shadow_cards_sql(scope: CalibrationScope, params: list[Any]) -> str:
    """Id, author and session of the submitted shadow scorecards in the scope's job(s) and
    submission dates. The scope's other filters (interviewers, levels, questions) narrow the
    main statistics only: a trainee is compared on every question with the whole panel."""
    t = _tables()
    joins = ""
    if scope.needs_template:
        joins = (
            f"JOIN {t['loop']} xl ON xl.id = x.loop_id "
            f"JOIN {t['template']} xt ON xt.id = xl.template_id"
        )
    where = ["x.status = 'submitted'", "x.shadow"]
    where += _job_and_date_conditions(scope, params, card="x", template="xt")
    return (
        "SELECT x.id::int8, x.interviewer_id::int8, x.session_id::int8 "
        f"FROM {t['card']} x {joins} WHERE {' AND '.join(where)}"
    )


def _in_ids(column: str, ids: np.ndarray, params: list[Any]) -> str:
    """WHERE term: `column` is one of `ids`, passed as one parameter however many: an int8[]
    on PostgreSQL, a JSON array elsewhere (SQLite's json_each)."""
    if connection.vendor == "postgresql":
        params.append(_int_array(ids))
        return f"{column} = ANY(%s::int8[])"
    params.append(json.dumps(np.asarray(ids, dtype=np.int64).tolist()))
    return f"{column} IN (SELECT value FROM json_each(%s))"


def _trainees_load(scope: CalibrationScope, one_column: bool) -> tuple[np.ndarray, ...]:
    """The trainees' comparison, as read: per scorecard its id, author, session and shadow flag
    (0/1), shadow scorecards in scope (`_shadow_cards_sql`) first, then the submitted qualified
    ones of their sessions; per first-submission rating of those scorecards its scorecard id,
    criterion id and rating (packed as the main ratings). Three statements on Django's
    connection, the later two with the ids found by the ones before (found through indexes on
    scorecards' sessions and ratings' scorecards: no second scan of the ratings table); one
    when there is no shadow scorecard."""
    t = _tables()
    params: list[Any] = []
    shadow_id, shadow_interviewer, shadow_session = _fetch_int_columns(
        _shadow_cards_sql(scope, params), params, 3
    )
    if shadow_id.size == 0:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(7))
    params = []
    sessions = _in_ids("s.session_id", distinct_ids(shadow_session), params)
    panel_id, panel_interviewer, panel_session = _fetch_int_columns(
        "SELECT s.id::int8, s.interviewer_id::int8, s.session_id::int8 "
        f"FROM {t['card']} s WHERE s.status = 'submitted' AND NOT s.shadow AND {sessions}",
        params,
        3,
    )
    card_id = np.concatenate([shadow_id, panel_id])
    params = []
    cards = _in_ids("r.scorecard_id", card_id, params)
    sql = (
        f"SELECT {_packed_rating_columns(one_column)} FROM {t['rating']} r "
        f"WHERE r.in_first_submission AND {cards}"
    )
    ratings = _unpack_ratings(_fetch_int_columns(sql, params, 1 if one_column else 2), one_column)
    return (
        card_id,
        np.concatenate([shadow_interviewer, panel_interviewer]),
        np.concatenate([shadow_session, panel_session]),
        np.repeat(np.array([1, 0], dtype=np.int64), [shadow_id.size, panel_id.size]),
        *ratings,
    )


def _in_snapshot(
    connection_params: dict[str, Any], snapshot: str, work: Callable[[psycopg.Connection], T]
) -> T:
    """`work(side)` on a new connection `side` whose REPEATABLE READ transaction sees exactly
    the exported `snapshot` (`pg_export_snapshot()` of the loader's own transaction): what it
    reads agrees with what the loader reads, while both statements run at once."""
    with psycopg.connect(**connection_params) as side:
        side.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        side.read_only = True
        side.execute(
            psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg.sql.Literal(snapshot))
        )
        return work(side)


def _criteria_load(criterion_ids: np.ndarray) -> list[np.ndarray]:
    """Id, question id and weight of the rated criteria (a few hundred rows)."""
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT c.id::int8, c.question_id::int8, c.weight::float8 "
            f"FROM {_tables()['criterion']} c WHERE c.id = ANY(%s::int8[])"
        )
        return _fetch_int_columns(sql, [_int_array(criterion_ids)], 3, floats=1)
    rows = np.asarray(
        RubricCriterion.objects.filter(id__in=criterion_ids.tolist()).values_list(
            "id", "question_id", "weight"
        ),
        dtype=np.float64,
    ).reshape(-1, 3)
    return [rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), rows[:, 2]]


def _submitted_day_sql() -> str:
    """The scorecard's submission day as days since 1970-01-01 in UTC, in this database's SQL."""
    if connection.vendor == "postgresql":
        return "((s.submitted_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
    return "CAST(julianday(s.submitted_at) - 2440587.5 AS INTEGER)"


def _submitted_at_sort_sql() -> str:
    """The scorecard's submission time as a sort key: int8 microseconds since 1970 on
    PostgreSQL (exact: timestamptz holds microseconds), the stored value elsewhere."""
    if connection.vendor == "postgresql":
        return "(EXTRACT(EPOCH FROM s.submitted_at) * 1000000)::int8"
    return "s.submitted_at"


def _cards_sql(scope: CalibrationScope) -> tuple[str, list[Any]]:
    t = _tables()
    params: list[Any] = []
    where = _card_conditions(scope, params)
    rating_where = _rating_conditions(scope, params)
    if rating_where:
        # A scorecard is in scope when at least one of its ratings is.
        question_join = f"JOIN {t['question']} q ON q.id = c.question_id" if scope.levels else ""
        where.append(
            f"EXISTS (SELECT 1 FROM {t['rating']} r JOIN {t['criterion']} c "
            f"ON c.id = r.criterion_id {question_join} "
            f"WHERE r.scorecard_id = s.id AND r.in_first_submission "
            f"AND {' AND '.join(rating_where)})"
        )
    template_join = (
        f"JOIN {t['template']} t ON t.id = l.template_id" if scope.needs_template else ""
    )
    sql = (
        "SELECT s.id::int8, s.interviewer_id::int8, s.loop_id::int8, l.candidate_id::int8, "
        f"s.session_id::int8, {_submitted_day_sql()}::int8, "
        # The first submitted recommendation: kept apart once an amendment changed it.
        f"({_FIRST_RECOMMENDATION_SCORE_SQL})::int8, "
        "(CASE WHEN s.amended_after_peer_view THEN 1 ELSE 0 END)::int8, "
        # Ordering columns, after the int8 ones: scorecards go in submission order.
        f"{_submitted_at_sort_sql()}, s.id::int8 "
        f"FROM {t['card']} s JOIN {t['loop']} l ON l.id = s.loop_id {template_join} "
        f"WHERE {' AND '.join(where)}"
    )
    return sql, params


def _decisions_sql(loop_ids: np.ndarray) -> tuple[str, list[Any]]:
    t = _tables()
    # The loops come from the scorecards in scope; a VALUES-free ANY(array) keeps one parameter.
    sql = (
        "SELECT l.id::int8, (CASE WHEN l.decision = 'hire' THEN 1 ELSE 0 END)::int8 "
        f"FROM {t['loop']} l WHERE l.decision <> '' AND l.id = ANY(%s::int8[])"
    )
    return sql, [_int_array(loop_ids)]


def _int_array(ids: np.ndarray) -> str:
    """An int8[] parameter's text form; one parameter however many ids."""
    return "{" + ",".join(map(str, np.asarray(ids, dtype=np.int64).tolist())) + "}"


def _fetch_int_columns(
    sql: str,
    params: list[Any],
    columns: int,
    ordered: bool = False,
    floats: int = 0,
    side: psycopg.Connection | None = None,
) -> list[np.ndarray]:
    """Run `sql` and return its first `columns` columns (each non-null) as numpy arrays: int8
    columns as int64, and the last `floats` of them (float8) as float64.

    With `ordered`, the columns after those are the sort key of the rows. On PostgreSQL, `side`
    (a psycopg connection, see `_in_snapshot`) runs it instead of Django's connection.
    """
    if connection.vendor == "postgresql":
        return _aggregate_int_columns(sql, params, columns, ordered, floats, side)
    return _values_int_columns(sql, params, columns, ordered, floats)


def _aggregate_int_columns(
    sql: str,
    params: list[Any],
    columns: int,
    ordered: bool,
    floats: int = 0,
    side: psycopg.Connection | None = None,
) -> list[np.ndarray]:
    # PostgreSQL packs every value into 8 bytes (int8send, big-endian) and concatenates each
    # column into ONE bytea, fetched in binary: one network message and one np.frombuffer a
    # column instead of a Python step per row (COPY hands libpq one message per row, which
    # costs more in Python than the query itself). bytea caps at 1 GB: 134 million rows.
    # With `ordered`, the two sort columns (int8 on PostgreSQL) come along unordered and numpy
    # sorts the rows: an ORDER BY inside string_agg cost more than the rest of the statement.
    fetched = columns + 2 if ordered else columns
    names = [f"c{i}" for i in range(fetched)]
    # One string_agg per column (cheaper per row than concatenating the columns' bytes first:
    # one allocation a value instead of two); all aggregates of one SELECT read the rows in the
    # same order, so the k-th value of every column belongs to the k-th row. float8send is 8
    # big-endian IEEE 754 bytes, as wide as int8send.
    aggregates = ", ".join(
        f"string_agg({'float8send' if columns - floats <= i < columns else 'int8send'}"
        f"(scope.{name}), ''::bytea)"
        for i, name in enumerate(names)
    )
    statement = f"SELECT {aggregates} FROM ({sql}) AS scope({', '.join(names)})"
    if side is None:
        connection.ensure_connection()
    with psycopg.Cursor(side or connection.connection) as cursor:
        cursor.execute(statement, params or None, binary=True)
        blobs = cursor.fetchone()
    if blobs[0] is None:
        return [np.zeros(0, dtype=np.int64) for _ in range(columns)]
    raw = [np.frombuffer(blob, dtype=">i8") for blob in blobs]
    order = np.lexsort((raw[columns + 1], raw[columns])) if ordered else slice(None)
    return [
        raw[i].view(">f8")[order].astype(np.float64)
        if i >= columns - floats
        else raw[i][order].astype(np.int64)
        for i in range(columns)
    ]


def _values_int_columns(
    sql: str, params: list[Any], columns: int, ordered: bool, floats: int = 0
) -> list[np.ndarray]:
    chunks: list[np.ndarray] = []
    sql = sql.replace("::int8[]", "").replace("::int8", "").replace("::float8", "")
    if ordered:
        sql += f" ORDER BY {columns + 1}, {columns + 2}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_VALUES_LIST_CHUNK):
            # float64 holds the ids exactly (below 2^53) and the float columns as they are.
            chunks.append(np.asarray([row[:columns] for row in rows], dtype=np.float64))
    table = np.concatenate(chunks) if chunks else np.zeros((0, columns), dtype=np.float64)
    return [
        np.ascontiguousarray(table[:, i], dtype=np.float64 if i >= columns - floats else np.int64)
        for i in range(columns)
    ]


def calibration_inputs_load(*, scope: CalibrationScope) -> CalibrationInputs:
    """Flatten the submitted scorecards in `scope` into the statistics' arrays.

    Four statements, on PostgreSQL in one REPEATABLE READ snapshot (when not already inside a
    transaction) so that they agree with each other: scorecards (one row per submitted scorecard
    in submission order, with its interviewer, loop, candidate, session, submission day, first
    submitted recommendation on the 1..4 scale and whether it was amended after a peer view),
    ratings (two columns per criterion rating of the scorecards' first submission: scorecard and
    rating packed, criterion), the criteria's questions and weights, and the decisions of the
    loops; then the usernames and question slugs of the ids that occur. numpy spreads the
    scorecards' and criteria's columns over the ratings.

    In that snapshot the ratings statement (the largest) runs on a second connection, in a thread,
    while the scorecards statement runs on this one: the two take about the time of the longer
    (the snapshot is exported, `_in_snapshot`, so both read the same rows). Inside an outer
    transaction (its rows may be uncommitted) everything runs here, one statement after another.
    """
    inputs, _ = _load(scope, trainees=False)
    return inputs


def calibration_report_inputs_load(
    *, scope: CalibrationScope
) -> tuple[CalibrationInputs, TraineeInputs]:
    """`calibration_inputs_load`'s arrays and the trainees' comparison (`result.trainees`), read
    in the same snapshot: the first-submission ratings of the submitted shadow scorecards in the
    scope's job(s) and submission dates and of the qualified scorecards of their sessions.

    The trainees' statements (`_trainees_load`: the shadow scorecards, the qualified ones of
    their sessions, their ratings packed like the main ones) run on this connection after the
    main scorecards statement, while the second connection still reads the main ratings; their
    criteria and usernames come with the main ones (one statement each). numpy spreads the
    scorecards' and criteria's columns over the ratings, as for the main arrays. Inside an outer
    transaction everything runs here, in that transaction, as for `calibration_inputs_load`."""
    inputs, trainees = _load(scope, trainees=True)
    assert trainees is not None
    return inputs, trainees


def _load(
    scope: CalibrationScope, trainees: bool
) -> tuple[CalibrationInputs, TraineeInputs | None]:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
            return _inputs_load(scope, snapshot, trainees)
    return _inputs_load(scope, None, trainees)


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted id in `ids` (distinct), -1 when absent."""
    if ids.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * ids.size + 65536 and (wanted.size == 0 or wanted.min() >= low):
        # Database ids are mostly dense: a lookup table over their range, no sort.
        table = np.full(high - low + 2, -1, dtype=np.int64)
        table[ids - low] = np.arange(ids.size)
        return table[np.minimum(wanted - low, high - low + 1)]
    order = np.argsort(ids)
    position = np.minimum(np.searchsorted(ids[order], wanted), ids.size - 1)
    return np.where(ids[order][position] == wanted, order[position], -1)


def _inputs_load(
    scope: CalibrationScope, snapshot: str | None, trainees: bool
) -> tuple[CalibrationInputs, TraineeInputs | None]:
    one_column = _packs_in_one_column()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration-load") as thread:
        ratings = None
        if snapshot is not None:
            ratings = thread.submit(
                _in_snapshot,
                connection.get_connection_params(),
                snapshot,
                functools.partial(_ratings_load, scope, one_column),
            )
        sql, params = _cards_sql(scope)
        (
            card_id,
            card_interviewer,
            card_loop,
            card_candidate,
            card_session,
            card_day,
            card_recommendation,
            card_amended_after_peer_view,
        ) = _fetch_int_columns(sql, params, 8, ordered=True)
        # The trainees' statements, while the other connection still reads the main ratings.
        trainee_columns = _trainees_load(scope, one_column) if trainees else None
        try:
            if ratings is None:
                raise _NoSecondConnection
            scorecard, criterion, rating = ratings.result()
        except (_NoSecondConnection, psycopg.OperationalError) as exc:
            # No second connection (outside PostgreSQL, inside a transaction, or it could not
            # be opened: max_connections, a pooler's limit): the ratings on this one, in the
            # same snapshot, one statement after the other.
            if ratings is not None:
                logger.warning("calibration load: ratings read on one connection (%s)", exc)
            scorecard, criterion, rating = _ratings_load(scope, one_column)
    card = _rows_of(card_id, scorecard)
    # A rating always has its scorecard in the same snapshot; without one (SQLite, or a load
    # inside an outer transaction racing a submission) it is left out rather than misplaced.
    if (card < 0).any():
        rating, criterion, card = rating[card >= 0], criterion[card >= 0], card[card >= 0]
    # np.unique without sorting 10^6 ratings; the trainees' criteria are read with the others.
    criteria = distinct_ids(criterion, *([trainee_columns[5]] if trainee_columns else []))
    criterion_id, criterion_question, criterion_weight = _criteria_load(criteria)
    criterion_row = _rows_of(criterion_id, criterion)
    loops = np.unique(card_loop)
    if connection.vendor == "postgresql":
        sql, params = _decisions_sql(loops)
        decision_loop, decision_hire = _fetch_int_columns(sql, params, 2)
    else:
        decided = np.asarray(
            Loop.objects.filter(id__in=loops.tolist())
            .exclude(decision="")
            .order_by("id")
            .values_list("id", "decision"),
            dtype=object,
        ).reshape(-1, 2)
        decision_loop = decided[:, 0].astype(np.int64)
        decision_hire = (decided[:, 1] == "hire").astype(np.int64)

    # The trainees' scorecards and criteria were read with the main ones; each set of inputs
    # keeps the usernames and questions of its own ids.
    interviewers = distinct_ids(card_interviewer)
    trainee_inputs = None
    trainee_ids = np.zeros(0, dtype=np.int64)
    if trainee_columns is not None:
        trainee_inputs = _trainee_inputs(
            trainee_columns, criterion_id, criterion_question, criterion_weight
        )
        trainee_ids = distinct_ids(trainee_inputs.card_interviewer[trainee_inputs.card_shadow])
    usernames = dict(
        get_user_model()
        .objects.filter(id__in=distinct_ids(interviewers, trainee_ids).tolist())
        .values_list("id", "username")
    )
    if trainee_inputs is not None:
        trainee_inputs = dataclasses.replace(
            trainee_inputs,
            usernames={uid: usernames[uid] for uid in trainee_ids.tolist() if uid in usernames},
        )
    rated = np.zeros(criterion_id.size, dtype=bool)
    rated[criterion_row] = True
    question_meta = {
        qid: (slug, level)
        for qid, slug, level in Question.objects.filter(
            id__in=np.unique(criterion_question[rated]).tolist()
        ).values_list("id", "slug", "level_id")
    }
    inputs = CalibrationInputs(
        rating=rating.astype(np.float64),
        interviewer=card_interviewer[card],
        candidate=card_candidate[card],
        criterion=criterion,
        question=criterion_question[criterion_row],
        session=card_session[card],
        loop=card_loop[card],
        card_interviewer=card_interviewer,
        card_loop=card_loop,
        card_candidate=card_candidate,
        card_recommendation=card_recommendation,
        card_amended_after_peer_view=card_amended_after_peer_view.astype(bool),
        decision_loop=decision_loop,
        decision_hire=decision_hire.astype(bool),
        interviewer_usernames={
            uid: usernames[uid] for uid in interviewers.tolist() if uid in usernames
        },
        question_meta=question_meta,
        weight=criterion_weight[criterion_row],
        submitted_day=card_day[card],
        drift_granularity=scope.granularity,
    )
    return inputs, trainee_inputs


def _trainee_inputs(
    columns: tuple[np.ndarray, ...],
    criterion_id: np.ndarray,
    criterion_question: np.ndarray,
    criterion_weight: np.ndarray,
) -> TraineeInputs:
    """`_trainees_load`'s columns as `TraineeInputs`: each rating's scorecard row, its
    criterion's question and weight (spread from the criteria read with the main ones)."""
    card_id, card_interviewer, card_session, card_shadow, scorecard, criterion, rating = columns
    card = _rows_of(card_id, scorecard)
    # As for the main ratings: a rating without its scorecard (no snapshot) is left out.
    if (card < 0).any():
        rating, criterion, card = rating[card >= 0], criterion[card >= 0], card[card >= 0]
    criterion_row = _rows_of(criterion_id, criterion)
    return TraineeInputs(
        card=card,
        question=criterion_question[criterion_row],
        rating=rating.astype(np.float64),
        weight=criterion_weight[criterion_row],
        card_interviewer=card_interviewer,
        card_session=card_session,
        card_shadow=card_shadow.astype(bool),
    )
