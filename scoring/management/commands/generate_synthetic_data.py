"""Synthetic hiring data with known truth, for demos, tests and benchmarks.

    manage.py generate_synthetic_data --candidates 24000 --interviewers 600 --seed 7 \
        --planted-json /tmp/planted.json

Writes jobs and loop templates, one completed loop per candidate (four one-hour sessions of two
questions from the real bank, some sessions with two interviewers), a submitted scorecard per
session interviewer rating every criterion of the session's questions, and a hire / no-hire
decision per loop. Ratings follow the model the calibration report fits:

    rating = round(clip(mean + ability[candidate] + easiness[criterion] - severity[interviewer]
                        + noise, 0, 4))

with the planted severities, abilities and easiness printed as a summary and written in full to
`--planted-json`, so tests and benchmarks can check what the report recovers.

Everything is built as numpy arrays and written with PostgreSQL COPY (bulk_create in batches on
other databases), inside one transaction: about a million criterion ratings take well under a
minute.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from interviews.models import (
    Candidate,
    InterviewSession,
    Job,
    Loop,
    LoopTemplate,
    SessionInterviewer,
    SessionQuestion,
)
from questionbank.models import Question, RubricCriterion
from scoring.reports.selectors import _fetch_int_columns
from scoring.scorecards.models import CriterionRating, Scorecard

SESSIONS_PER_LOOP = 4
QUESTIONS_PER_SESSION = 2
SESSION_MINUTES = 60
JOB_TITLES = (
    ("AI North Star Metric Analyst", Job.Seniority.SENIOR),
    ("Product Data Scientist", Job.Seniority.MID),
    ("Growth Analytics Lead", Job.Seniority.STAFF),
)
RECOMMENDATIONS = np.array(["strong_no", "no", "yes", "strong_yes"])
# Planted truth: spreads in rating points on the 0..4 scale.
GRAND_MEAN = 2.1
ABILITY_SD = 0.7
EASINESS_SD = 0.45
SEVERITY_SD = 0.45
NOISE_SD = 0.7
COPY_CHUNK_ROWS = 100_000


def _text(value: Any) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _column_texts(value: Any, rows: int) -> Iterable[str]:
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iuf":
            return value.astype(str).tolist()
        if value.dtype.kind == "b":
            return np.where(value, "t", "f").tolist()
        return [_text(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_text(v) for v in value]
    return itertools.repeat(_text(value), rows)


class BulkWriter:
    """Reserve ids and insert whole columns: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> np.ndarray:
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        table = model._meta.db_table
        if self.postgresql:
            (ids,) = _fetch_int_columns(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))::int8 "
                "FROM generate_series(1, %s)",
                [table, count],
                1,
            )
            return ids
        start = self._next_id.get(model)
        if start is None:
            start = (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1
        self._next_id[model] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def insert(self, model: type[models.Model], rows: int, values: dict[str, Any]) -> None:
        """Insert `rows` rows; `values` maps field names to arrays/lists (one per row) or a
        constant. Fields not given take their model default."""
        fields = [f for f in model._meta.concrete_fields]
        given = {}
        for field in fields:
            if field.name in values:
                given[field] = values[field.name]
            elif field.attname in values:
                given[field] = values[field.attname]
            elif field.primary_key:
                raise ValueError(f"{model.__name__}: ids must be reserved and given")
            else:
                given[field] = field.get_default()
        if rows == 0:
            return
        if self.postgresql:
            self._copy(model, rows, given)
        else:
            self._bulk_create(model, rows, given)

    def _copy(self, model: type[models.Model], rows: int, given: dict[Any, Any]) -> None:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in given)
        texts = [iter(_column_texts(value, rows)) for value in given.values()]
        statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            lines = zip(*texts, strict=False)
            while chunk := list(itertools.islice(lines, COPY_CHUNK_ROWS)):
                copy.write("".join("\t".join(line) + "\n" for line in chunk))

    def _bulk_create(self, model: type[models.Model], rows: int, given: dict[Any, Any]) -> None:
        def column(value: Any) -> Iterator[Any]:
            if isinstance(value, np.ndarray):
                return iter(value.tolist())
            if isinstance(value, list):
                return iter(value)
            return itertools.repeat(value, rows)

        names = [f.attname for f in given]
        columns = [column(value) for value in given.values()]
        objects = (
            model(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=False)
        )
        while batch := list(itertools.islice(objects, 5000)):
            model.objects.bulk_create(batch)


def _distinct_picks(rng: np.random.Generator, rows: int, pool: int, k: int) -> np.ndarray:
    """`rows` x `k` matrix of distinct draws from range(pool) per row."""
    if pool <= 64:
        return np.argsort(rng.random((rows, pool)), axis=1)[:, :k]
    picks = rng.integers(0, pool, size=(rows, k))
    while True:
        ordered = np.sort(picks, axis=1)
        clash = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not clash.any():
            return picks
        picks[clash] = rng.integers(0, pool, size=(int(clash.sum()), k))


class Command(BaseCommand):
    help = "Write synthetic loops, sessions, submitted scorecards and decisions with planted truth."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, required=True)
        parser.add_argument("--interviewers", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--paired-share",
            type=float,
            default=0.3,
            help="Share of sessions with two interviewers (default 0.3).",
        )
        parser.add_argument(
            "--planted-json", default="", help="Write planted severities/abilities here."
        )
        parser.add_argument(
            "--prefix", default="", help="Username/external id prefix (default synth<seed>)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        candidates, interviewers = options["candidates"], options["interviewers"]
        seed, share = options["seed"], options["paired_share"]
        prefix = options["prefix"] or f"synth{seed}"
        needed = SESSIONS_PER_LOOP * 2
        if candidates < 1:
            raise CommandError("--candidates must be at least 1")
        if interviewers < needed:
            raise CommandError(
                f"--interviewers must be at least {needed}: a loop has {SESSIONS_PER_LOOP} "
                "sessions of up to two interviewers, and nobody interviews twice in one loop"
            )
        if not 0.0 <= share <= 1.0:
            raise CommandError("--paired-share must lie between 0 and 1")
        if User.objects.filter(username__startswith=f"{prefix}-").exists():
            raise CommandError(
                f"Users named {prefix}-* exist already; pass another --seed or --prefix"
            )
        if not Question.objects.exists():
            call_command("loaddata", "fixtures/questionbank.json", verbosity=0)
        with transaction.atomic():
            planted = self._generate(candidates, interviewers, seed, share, prefix)
        if connection.vendor == "postgresql":
            # Fresh bulk loads have no statistics yet; without them the report's joins plan badly.
            tables = [
                m._meta.db_table for m in (CriterionRating, Scorecard, Loop, InterviewSession)
            ]
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(tables)}")
        planted["seconds"] = round(time.perf_counter() - started, 2)
        if options["planted_json"]:
            with open(options["planted_json"], "w") as out:
                json.dump(planted, out)
        counts = planted["counts"]
        self.stdout.write(
            f"Wrote {counts['ratings']} criterion ratings on {counts['scorecards']} submitted "
            f"scorecards ({counts['sessions']} sessions, {counts['paired_sessions']} with two "
            f"interviewers) for {candidates} candidates and {interviewers} interviewers "
            f"in {planted['seconds']} s (seed {seed})."
        )
        severity = planted["severity"]
        harshest = sorted(severity, key=severity.get, reverse=True)[:3]
        self.stdout.write(
            "Planted severities (rating points, + = harsher), harshest: "
            + ", ".join(f"{uid}: {severity[uid]:+.2f}" for uid in harshest)
            + (f". Full truth in {options['planted_json']}" if options["planted_json"] else "")
        )

    def _generate(
        self, candidates: int, interviewers: int, seed: int, share: float, prefix: str
    ) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        writer = BulkWriter()
        now = timezone.now()

        criteria = np.array(
            RubricCriterion.objects.filter(is_active=True, question__is_active=True)
            .order_by("question_id", "order", "id")
            .values_list("id", "question_id"),
            dtype=np.int64,
        ).reshape(-1, 2)
        question_ids, criteria_start, criteria_count = np.unique(
            criteria[:, 1], return_index=True, return_counts=True
        )
        per_loop = SESSIONS_PER_LOOP * QUESTIONS_PER_SESSION
        if question_ids.size < per_loop:
            raise CommandError(f"The bank needs {per_loop} active questions with criteria")
        minutes = dict(Question.objects.values_list("id", "estimated_minutes"))

        # People: interviewers and one hiring manager.
        password = make_password(None)
        user_ids = writer.reserve_ids(User, interviewers + 1)
        usernames = [f"{prefix}-interviewer-{i:05d}" for i in range(interviewers)]
        usernames.append(f"{prefix}-hiring-manager")
        writer.insert(
            User,
            interviewers + 1,
            {
                "id": user_ids,
                "password": password,
                "username": usernames,
                "email": [f"{name}@example.com" for name in usernames],
                "date_joined": now,
            },
        )
        interviewer_ids, manager_id = user_ids[:interviewers], int(user_ids[-1])
        # The role groups come from a data migration; a flushed database may have lost them.
        groups = {
            name: Group.objects.get_or_create(name=name)[0].pk
            for name in ("interviewer", "hiring_manager")
        }
        membership = User.groups.through
        membership_ids = writer.reserve_ids(membership, interviewers + 1)
        writer.insert(
            membership,
            interviewers + 1,
            {
                "id": membership_ids,
                "user_id": user_ids,
                "group_id": np.array(
                    [groups["interviewer"]] * interviewers + [groups["hiring_manager"]]
                ),
            },
        )

        # Jobs and their onsite templates.
        job_ids = writer.reserve_ids(Job, len(JOB_TITLES))
        writer.insert(
            Job,
            len(JOB_TITLES),
            {
                "id": job_ids,
                "title": [title for title, _ in JOB_TITLES],
                "seniority": [seniority.value for _, seniority in JOB_TITLES],
                "hiring_manager_id": manager_id,
                "created_at": now,
            },
        )
        template_ids = writer.reserve_ids(LoopTemplate, len(JOB_TITLES))
        writer.insert(
            LoopTemplate,
            len(JOB_TITLES),
            {
                "id": template_ids,
                "name": [f"{title} onsite" for title, _ in JOB_TITLES],
                "job_id": job_ids,
                "session_count": SESSIONS_PER_LOOP,
                "session_minutes": SESSION_MINUTES,
                "interviewers_per_session": 2,
                "created_by_id": manager_id,
                "created_at": now,
            },
        )

        # Candidates and one completed loop each.
        candidate_ids = writer.reserve_ids(Candidate, candidates)
        writer.insert(
            Candidate,
            candidates,
            {
                "id": candidate_ids,
                "name": [f"Synthetic Candidate {i:06d}" for i in range(candidates)],
                "email": [f"{prefix}-candidate-{i}@example.com" for i in range(candidates)],
                "external_id": [f"{prefix}-{i}" for i in range(candidates)],
                "created_at": now,
            },
        )
        loops = candidates
        loop_ids = writer.reserve_ids(Loop, loops)
        loop_template = template_ids[rng.integers(0, template_ids.size, loops)]
        first_day = now - dt.timedelta(days=365)
        loop_day = [first_day + dt.timedelta(days=d) for d in rng.integers(0, 365, loops).tolist()]

        # Planted truth.
        severity = rng.normal(0.0, SEVERITY_SD, interviewers)
        ability = rng.normal(0.0, ABILITY_SD, candidates)
        easiness = rng.normal(0.0, EASINESS_SD, criteria.shape[0])

        # Sessions: SESSIONS_PER_LOOP per loop; some have a second (shadowing) interviewer.
        sessions = loops * SESSIONS_PER_LOOP
        session_ids = writer.reserve_ids(InterviewSession, sessions)
        session_loop = np.repeat(np.arange(loops), SESSIONS_PER_LOOP)  # loop index
        session_order = np.tile(np.arange(1, SESSIONS_PER_LOOP + 1), loops)
        session_start = [
            loop_day[day] + dt.timedelta(hours=8 + int(order))
            for day, order in zip(
                np.repeat(np.arange(loops), SESSIONS_PER_LOOP).tolist(),
                session_order.tolist(),
                strict=True,
            )
        ]
        writer.insert(
            InterviewSession,
            sessions,
            {
                "id": session_ids,
                "loop_id": loop_ids[session_loop],
                "order": session_order,
                "duration_minutes": SESSION_MINUTES,
                "scheduled_at": session_start,
            },
        )
        question_pick = _distinct_picks(rng, loops, question_ids.size, per_loop).reshape(
            sessions, QUESTIONS_PER_SESSION
        )  # question index per (session, slot)
        sq_rows = sessions * QUESTIONS_PER_SESSION
        sq_question = question_ids[question_pick.reshape(-1)]
        writer.insert(
            SessionQuestion,
            sq_rows,
            {
                "id": writer.reserve_ids(SessionQuestion, sq_rows),
                "session_id": np.repeat(session_ids, QUESTIONS_PER_SESSION),
                "loop_id": np.repeat(loop_ids[session_loop], QUESTIONS_PER_SESSION),
                "question_id": sq_question,
                "order": np.tile(np.arange(1, QUESTIONS_PER_SESSION + 1), sessions),
                "estimated_minutes": np.array([minutes[q] for q in sq_question.tolist()]),
            },
        )
        people = _distinct_picks(rng, loops, interviewers, SESSIONS_PER_LOOP * 2).reshape(
            sessions, 2
        )  # interviewer index: lead and possible shadow per session
        paired = rng.random(sessions) < share
        seat_session = np.concatenate([np.arange(sessions), np.flatnonzero(paired)])
        seat_person = np.concatenate([people[:, 0], people[paired, 1]])
        seat_position = np.concatenate([np.ones(sessions), np.full(int(paired.sum()), 2)])
        order = np.argsort(seat_session, kind="stable")
        seat_session, seat_person = seat_session[order], seat_person[order]
        seat_position = seat_position[order].astype(np.int64)
        seats = seat_session.size
        writer.insert(
            SessionInterviewer,
            seats,
            {
                "id": writer.reserve_ids(SessionInterviewer, seats),
                "session_id": session_ids[seat_session],
                "loop_id": loop_ids[session_loop[seat_session]],
                "interviewer_id": interviewer_ids[seat_person],
                "position": seat_position,
            },
        )

        # Ratings: every criterion of both questions of the session, by every seat.
        pair_card = np.repeat(np.arange(seats), QUESTIONS_PER_SESSION)
        pair_question = question_pick[seat_session].reshape(-1)
        pair_count = criteria_count[pair_question]
        rating_card = np.repeat(pair_card, pair_count)
        offset = np.arange(rating_card.size) - np.repeat(
            np.cumsum(pair_count) - pair_count, pair_count
        )
        rating_criterion = np.repeat(criteria_start[pair_question], pair_count) + offset
        rating_loop = session_loop[seat_session[rating_card]]
        latent = (
            GRAND_MEAN
            + ability[rating_loop]
            + easiness[rating_criterion]
            - severity[seat_person[rating_card]]
            + rng.normal(0.0, NOISE_SD, rating_card.size)
        )
        rating = np.clip(np.rint(latent), 0, 4).astype(np.int64)

        # Recommendation: the interviewer's impression (their mean rating, plus noise).
        card_mean = np.bincount(rating_card, weights=rating, minlength=seats) / np.bincount(
            rating_card, minlength=seats
        )
        impression = card_mean + rng.normal(0.0, 0.3, seats)
        recommendation_code = np.digitize(impression, [1.3, 2.1, 2.9])  # 0..3
        card_ids = writer.reserve_ids(Scorecard, seats)
        submitted = [
            start + dt.timedelta(minutes=SESSION_MINUTES + 30)
            for start in (session_start[i] for i in seat_session.tolist())
        ]
        writer.insert(
            Scorecard,
            seats,
            {
                "id": card_ids,
                "session_id": session_ids[seat_session],
                "loop_id": loop_ids[session_loop[seat_session]],
                "interviewer_id": interviewer_ids[seat_person],
                "status": Scorecard.Status.SUBMITTED.value,
                "overall_recommendation": RECOMMENDATIONS[recommendation_code],
                "summary": "Synthetic scorecard.",
                "submitted_at": submitted,
                "created_at": submitted,
                "updated_at": submitted,
            },
        )
        writer.insert(
            CriterionRating,
            rating.size,
            {
                "id": writer.reserve_ids(CriterionRating, rating.size),
                "scorecard_id": card_ids[rating_card],
                "criterion_id": criteria[rating_criterion, 0],
                "rating": rating,
            },
        )

        # Decisions: hire when the panel's mean recommendation (1..4) reaches 2.75.
        card_loop = session_loop[seat_session]
        panel = np.bincount(card_loop, weights=recommendation_code + 1.0, minlength=loops)
        panel /= np.bincount(card_loop, minlength=loops)
        decided_at = [day + dt.timedelta(days=2) for day in loop_day]
        writer.insert(
            Loop,
            loops,
            {
                "id": loop_ids,
                "candidate_id": candidate_ids,
                "template_id": loop_template,
                "status": Loop.Status.COMPLETED.value,
                "seed": rng.integers(0, 2**31, loops),
                "decision": np.where(panel >= 2.75, "hire", "no_hire"),
                "decision_note": "Synthetic decision.",
                "decided_by_id": manager_id,
                "decided_at": decided_at,
                "balance": {},
                "created_by_id": manager_id,
                "created_at": [day - dt.timedelta(days=7) for day in loop_day],
                "updated_at": decided_at,
            },
        )
        return {
            "seed": seed,
            "prefix": prefix,
            "model": {
                "grand_mean": GRAND_MEAN,
                "ability_sd": ABILITY_SD,
                "easiness_sd": EASINESS_SD,
                "severity_sd": SEVERITY_SD,
                "noise_sd": NOISE_SD,
            },
            "counts": {
                "ratings": int(rating.size),
                "scorecards": int(seats),
                "sessions": int(sessions),
                "paired_sessions": int(paired.sum()),
                "loops": int(loops),
                "interviewers": int(interviewers),
                "candidates": int(candidates),
            },
            "jobs": job_ids.tolist(),
            "severity": dict(
                zip(map(str, interviewer_ids.tolist()), severity.tolist(), strict=True)
            ),
            "ability": dict(zip(map(str, candidate_ids.tolist()), ability.tolist(), strict=True)),
            "easiness": dict(
                zip(map(str, criteria[:, 0].tolist()), easiness.tolist(), strict=True)
            ),
        }
