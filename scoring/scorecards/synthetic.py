"""Synthetic hiring data with known truth, for demos, tests and benchmarks.

`write_synthetic_hiring_data` writes jobs and loop templates, one completed loop per candidate
(four one-hour sessions of two questions from the real bank, some sessions with two
interviewers), a submitted scorecard per session interviewer rating every criterion of the
session's questions, and a hire / no-hire decision per loop. Ratings follow the model the
calibration report fits:

    rating = round(clip(mean + ability[candidate] + easiness[criterion] - severity[interviewer]
                        + noise, 0, 4))

and the planted severities, abilities and easiness come back with the counts, so tests and
benchmarks can check what the report recovers.

With `trainee_share` > 0, a pool of the interviewers (qualified) and `trainees` trainees (shadow
or reverse_shadow members) is written too, and that share of sessions gets one trainee
(`SessionTrainee`) with a submitted shadow scorecard (`Scorecard.shadow`) rating the same criteria
by the same model with the trainee's own planted severity (`trainee_severity`): the report's
`result.trainees` should find each trainee's severity close to minus that value (its sign is
the other way round: negative there is harsher). Its draws come from a second generator seeded
from (seed, TRAINEE_STREAM) after every other phase, so the rest of the data set is the same
with or without trainees, and without them (the default) exactly what it was before.

It runs in phases, each writing its tables whole through `BulkWriter` (COPY on PostgreSQL):
people; jobs, templates and candidates; sessions with their questions and interviewers;
scorecards and ratings; and last the loops, whole with their decisions and balance (sessions and
scorecards point at the loops' reserved ids before that: foreign keys are checked at commit).
Every random draw comes from one `numpy.random.Generator` in a fixed order, so a seed always
gives the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from interviews.models import (
    Candidate,
    InterviewerPool,
    InterviewSession,
    Job,
    JobTeamMember,
    Loop,
    LoopTemplate,
    PoolMember,
    SessionInterviewer,
    SessionQuestion,
    SessionTrainee,
)
from interviews.services.exposure import question_exposure_add
from questionbank.models import Level, Question, RubricCriterion
from scoring.scorecards.bulk import BulkWriter
from scoring.scorecards.models import CriterionRating, Scorecard

SESSIONS_PER_LOOP = 4
QUESTIONS_PER_SESSION = 2
QUESTIONS_PER_LOOP = SESSIONS_PER_LOOP * QUESTIONS_PER_SESSION
SESSION_MINUTES = 60
# A loop needs this many interviewers: up to two per session, nobody in two sessions.
MIN_INTERVIEWERS = SESSIONS_PER_LOOP * 2
# Nobody shadows twice in one loop, and every session of a loop may have a trainee.
MIN_TRAINEES = SESSIONS_PER_LOOP
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
# Trainees vary more than qualified interviewers (that is what their training is for).
TRAINEE_SEVERITY_SD = 0.6
# The trainees' random stream: numpy's SeedSequence of (seed, TRAINEE_STREAM).
TRAINEE_STREAM = 0x7EA1
BALANCE_NOTE = "Synthetic loop: its questions were drawn at random from the bank, not generated."


class BankTooSmall(Exception):
    """The bank has fewer active questions with criteria than one loop asks."""


@dataclass(frozen=True)
class Bank:
    """The active criteria of active questions, grouped by question (one row per criterion)."""

    criteria: np.ndarray  # (criterion id, question id), ordered by question
    question_ids: np.ndarray  # distinct question ids, ascending
    criteria_start: np.ndarray  # per question: index of its first row in `criteria`
    criteria_count: np.ndarray  # per question: how many criteria it has
    minutes: np.ndarray  # per question: estimated minutes
    levels: list[str]  # per question: level slug
    competencies: list[frozenset[str]]  # per question


@dataclass(frozen=True)
class People:
    interviewer_ids: np.ndarray
    manager_id: int


@dataclass(frozen=True)
class Openings:
    job_ids: np.ndarray
    template_ids: np.ndarray
    candidate_ids: np.ndarray


@dataclass(frozen=True)
class Calendar:
    """One loop per candidate: its reserved id, template and day."""

    loop_ids: np.ndarray
    loop_template: np.ndarray
    loop_day: list[dt.datetime]


@dataclass(frozen=True)
class Truth:
    severity: np.ndarray  # per interviewer index
    ability: np.ndarray  # per candidate (= loop) index
    easiness: np.ndarray  # per criterion row of the bank


@dataclass(frozen=True)
class Panels:
    """Sessions and their seats (one per interviewer in a session), by index."""

    session_ids: np.ndarray
    session_loop: np.ndarray  # per session: loop index
    session_start: list[dt.datetime]
    question_pick: np.ndarray  # (sessions, QUESTIONS_PER_SESSION) question indexes
    paired: np.ndarray  # per session: has a second interviewer
    seat_session: np.ndarray  # per seat: session index, seats of a session together
    seat_person: np.ndarray  # per seat: interviewer index


@dataclass(frozen=True)
class Scorecards:
    recommendation_code: np.ndarray  # per seat: 0..3, an index of RECOMMENDATIONS
    ratings: int


@dataclass(frozen=True)
class Shadows:
    """The trainees and their shadow scorecards (one per session that has a trainee)."""

    trainee_ids: np.ndarray
    severity: np.ndarray  # per trainee, planted, + = harsher (as `Truth.severity`)
    stage: np.ndarray  # per trainee: their status in the pool, "shadow" or "reverse_shadow"
    pool_id: int
    scorecards: int
    ratings: int


def read_bank() -> Bank:
    """The bank as the phases use it; raises BankTooSmall when one loop cannot be filled."""
    criteria = np.array(
        RubricCriterion.objects.filter(is_active=True, question__is_active=True)
        .order_by("question_id", "order", "id")
        .values_list("id", "question_id"),
        dtype=np.int64,
    ).reshape(-1, 2)
    question_ids, criteria_start, criteria_count = np.unique(
        criteria[:, 1], return_index=True, return_counts=True
    )
    if question_ids.size < QUESTIONS_PER_LOOP:
        raise BankTooSmall(f"The bank needs {QUESTIONS_PER_LOOP} active questions with criteria")
    rows = {
        q.pk: q
        for q in Question.objects.filter(pk__in=question_ids.tolist()).prefetch_related(
            "competencies"
        )
    }
    ordered = [rows[q] for q in question_ids.tolist()]
    return Bank(
        criteria=criteria,
        question_ids=question_ids,
        criteria_start=criteria_start,
        criteria_count=criteria_count,
        minutes=np.array([q.estimated_minutes for q in ordered], dtype=np.int64),
        levels=[q.level_id for q in ordered],
        competencies=[frozenset(c.slug for c in q.competencies.all()) for q in ordered],
    )


def write_people(writer: BulkWriter, *, interviewers: int, prefix: str, now: dt.datetime) -> People:
    """`interviewers` users with the interviewer role and one hiring manager."""
    user_ids = writer.reserve_ids(User, interviewers + 1)
    usernames = [f"{prefix}-interviewer-{i:05d}" for i in range(interviewers)]
    usernames.append(f"{prefix}-hiring-manager")
    writer.insert(
        User,
        interviewers + 1,
        {
            "id": user_ids,
            "password": make_password(None),
            "username": usernames,
            "email": [f"{name}@example.com" for name in usernames],
            "date_joined": now,
        },
    )
    # The role groups come from a data migration; a flushed database may have lost them.
    groups = {
        name: Group.objects.get_or_create(name=name)[0].pk
        for name in ("interviewer", "hiring_manager")
    }
    membership = User.groups.through
    writer.insert(
        membership,
        interviewers + 1,
        {
            "id": writer.reserve_ids(membership, interviewers + 1),
            "user_id": user_ids,
            "group_id": np.array(
                [groups["interviewer"]] * interviewers + [groups["hiring_manager"]]
            ),
        },
    )
    return People(interviewer_ids=user_ids[:interviewers], manager_id=int(user_ids[-1]))


def write_openings(
    writer: BulkWriter, *, people: People, candidates: int, prefix: str, now: dt.datetime
) -> Openings:
    """The jobs of JOB_TITLES, an onsite template for each, and the candidates."""
    jobs = len(JOB_TITLES)
    job_ids = writer.reserve_ids(Job, jobs)
    writer.insert(
        Job,
        jobs,
        {
            "id": job_ids,
            "title": [title for title, _ in JOB_TITLES],
            "seniority": [seniority.value for _, seniority in JOB_TITLES],
            "hiring_manager_id": people.manager_id,
            "created_at": now,
        },
    )
    # The jobs' hiring manager is on each job's team, as job_create makes it.
    writer.insert(
        JobTeamMember,
        jobs,
        {
            "id": writer.reserve_ids(JobTeamMember, jobs),
            "job_id": job_ids,
            "user_id": people.manager_id,
            "role": JobTeamMember.Role.HIRING_MANAGER.value,
            "added_at": now,
        },
    )
    template_ids = writer.reserve_ids(LoopTemplate, jobs)
    writer.insert(
        LoopTemplate,
        jobs,
        {
            "id": template_ids,
            "name": [f"{title} onsite" for title, _ in JOB_TITLES],
            "job_id": job_ids,
            "session_count": SESSIONS_PER_LOOP,
            "session_minutes": SESSION_MINUTES,
            "interviewers_per_session": 2,
            "created_by_id": people.manager_id,
            "created_at": now,
        },
    )
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
    return Openings(job_ids=job_ids, template_ids=template_ids, candidate_ids=candidate_ids)


def plan_loops(
    writer: BulkWriter, rng: np.random.Generator, *, openings: Openings, now: dt.datetime
) -> Calendar:
    """Reserve one loop per candidate, each on a template and a day of the past year."""
    loops = openings.candidate_ids.size
    loop_ids = writer.reserve_ids(Loop, loops)
    loop_template = openings.template_ids[rng.integers(0, openings.template_ids.size, loops)]
    first_day = now - dt.timedelta(days=365)
    loop_day = [first_day + dt.timedelta(days=d) for d in rng.integers(0, 365, loops).tolist()]
    return Calendar(loop_ids=loop_ids, loop_template=loop_template, loop_day=loop_day)


def plant_truth(
    rng: np.random.Generator, *, interviewers: int, candidates: int, bank: Bank
) -> Truth:
    """Each interviewer's severity, each candidate's ability, each criterion's easiness."""
    return Truth(
        severity=rng.normal(0.0, SEVERITY_SD, interviewers),
        ability=rng.normal(0.0, ABILITY_SD, candidates),
        easiness=rng.normal(0.0, EASINESS_SD, bank.criteria.shape[0]),
    )


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


def write_sessions(
    writer: BulkWriter,
    rng: np.random.Generator,
    *,
    calendar: Calendar,
    bank: Bank,
    people: People,
    paired_share: float,
) -> Panels:
    """SESSIONS_PER_LOOP sessions per loop, each with QUESTIONS_PER_SESSION questions (distinct
    within the loop) and a lead interviewer, plus a second one in `paired_share` of them; nobody
    sits in two sessions of one loop."""
    loops = calendar.loop_ids.size
    sessions = loops * SESSIONS_PER_LOOP
    session_ids = writer.reserve_ids(InterviewSession, sessions)
    session_loop = np.repeat(np.arange(loops), SESSIONS_PER_LOOP)
    session_order = np.tile(np.arange(1, SESSIONS_PER_LOOP + 1), loops)
    session_start = [
        calendar.loop_day[loop] + dt.timedelta(hours=8 + order)
        for loop, order in zip(session_loop.tolist(), session_order.tolist(), strict=True)
    ]
    writer.insert(
        InterviewSession,
        sessions,
        {
            "id": session_ids,
            "loop_id": calendar.loop_ids[session_loop],
            "order": session_order,
            "duration_minutes": SESSION_MINUTES,
            "scheduled_at": session_start,
        },
    )
    question_pick = _distinct_picks(rng, loops, bank.question_ids.size, QUESTIONS_PER_LOOP).reshape(
        sessions, QUESTIONS_PER_SESSION
    )
    _write_session_questions(writer, calendar, bank, session_ids, session_loop, question_pick)
    seat_session, seat_person = _seat_interviewers(
        rng, loops, people.interviewer_ids.size, paired_share
    )
    _write_seats(writer, calendar, people, session_ids, session_loop, seat_session, seat_person)
    return Panels(
        session_ids=session_ids,
        session_loop=session_loop,
        session_start=session_start,
        question_pick=question_pick,
        paired=np.bincount(seat_session, minlength=sessions) == 2,
        seat_session=seat_session,
        seat_person=seat_person,
    )


def _write_session_questions(
    writer: BulkWriter,
    calendar: Calendar,
    bank: Bank,
    session_ids: np.ndarray,
    session_loop: np.ndarray,
    question_pick: np.ndarray,
) -> None:
    rows = question_pick.size
    picked = question_pick.reshape(-1)
    writer.insert(
        SessionQuestion,
        rows,
        {
            "id": writer.reserve_ids(SessionQuestion, rows),
            "session_id": np.repeat(session_ids, QUESTIONS_PER_SESSION),
            "loop_id": np.repeat(calendar.loop_ids[session_loop], QUESTIONS_PER_SESSION),
            "question_id": bank.question_ids[picked],
            "order": np.tile(np.arange(1, QUESTIONS_PER_SESSION + 1), session_ids.size),
            "estimated_minutes": bank.minutes[picked],
        },
    )
    # Every loop written here is completed: each row is one loop asking its question.
    asked, loops = np.unique(bank.question_ids[picked], return_counts=True)
    question_exposure_add(dict(zip(asked.tolist(), loops.tolist(), strict=True)))


def _seat_interviewers(
    rng: np.random.Generator, loops: int, interviewers: int, paired_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """(session index, interviewer index) per seat, ordered by session, the lead first."""
    sessions = loops * SESSIONS_PER_LOOP
    # A lead and a possible second interviewer per session, all distinct within the loop.
    people = _distinct_picks(rng, loops, interviewers, SESSIONS_PER_LOOP * 2).reshape(sessions, 2)
    paired = rng.random(sessions) < paired_share
    seat_session = np.concatenate([np.arange(sessions), np.flatnonzero(paired)])
    seat_person = np.concatenate([people[:, 0], people[paired, 1]])
    order = np.argsort(seat_session, kind="stable")
    return seat_session[order], seat_person[order]


def _write_seats(
    writer: BulkWriter,
    calendar: Calendar,
    people: People,
    session_ids: np.ndarray,
    session_loop: np.ndarray,
    seat_session: np.ndarray,
    seat_person: np.ndarray,
) -> None:
    writer.insert(
        SessionInterviewer,
        seat_session.size,
        {
            "id": writer.reserve_ids(SessionInterviewer, seat_session.size),
            "session_id": session_ids[seat_session],
            "loop_id": calendar.loop_ids[session_loop[seat_session]],
            "interviewer_id": people.interviewer_ids[seat_person],
            "position": _positions(seat_session),
        },
    )


def _positions(seat_session: np.ndarray) -> np.ndarray:
    """1 for the first seat of each session, 2 for the second (seats grouped by session)."""
    first = np.ones(seat_session.size, dtype=bool)
    first[1:] = seat_session[1:] != seat_session[:-1]
    return np.where(first, 1, 2).astype(np.int64)


def write_scorecards(
    writer: BulkWriter,
    rng: np.random.Generator,
    *,
    panels: Panels,
    calendar: Calendar,
    truth: Truth,
    bank: Bank,
    people: People,
) -> Scorecards:
    """A submitted scorecard per seat, rating every criterion of the session's questions by the
    planted model, with a recommendation that follows the interviewer's mean rating."""
    seats = panels.seat_session.size
    rating_card, rating_criterion, rating = _ratings(
        rng, panels, truth, bank, panels.seat_session, truth.severity[panels.seat_person]
    )
    recommendation_code = _recommendation_codes(rng, rating_card, rating, seats)
    card_ids = writer.reserve_ids(Scorecard, seats)
    _insert_scorecards(
        writer,
        card_ids=card_ids,
        card_session=panels.seat_session,
        author_ids=people.interviewer_ids[panels.seat_person],
        recommendation_code=recommendation_code,
        shadow=False,
        panels=panels,
        calendar=calendar,
    )
    _insert_ratings(writer, card_ids[rating_card], bank.criteria[rating_criterion, 0], rating)
    return Scorecards(recommendation_code=recommendation_code, ratings=int(rating.size))


def _recommendation_codes(
    rng: np.random.Generator, rating_card: np.ndarray, rating: np.ndarray, cards: int
) -> np.ndarray:
    """Per scorecard 0..3 (an index of RECOMMENDATIONS): the author's impression, their mean
    rating plus noise."""
    card_mean = np.bincount(rating_card, weights=rating, minlength=cards) / np.bincount(
        rating_card, minlength=cards
    )
    impression = card_mean + rng.normal(0.0, 0.3, cards)
    return np.digitize(impression, [1.3, 2.1, 2.9])


def _insert_scorecards(
    writer: BulkWriter,
    *,
    card_ids: np.ndarray,
    card_session: np.ndarray,
    author_ids: np.ndarray,
    recommendation_code: np.ndarray,
    shadow: bool,
    panels: Panels,
    calendar: Calendar,
) -> None:
    """Submitted scorecards, one per entry of `card_session` (session indexes), half an hour
    after their session ended (shadow ones ten minutes later still)."""
    delay = dt.timedelta(minutes=SESSION_MINUTES + 30 + (10 if shadow else 0))
    submitted = [panels.session_start[s] + delay for s in card_session.tolist()]
    values: dict[str, Any] = {
        "id": card_ids,
        "session_id": panels.session_ids[card_session],
        "loop_id": calendar.loop_ids[panels.session_loop[card_session]],
        "interviewer_id": author_ids,
        "status": Scorecard.Status.SUBMITTED.value,
        "overall_recommendation": RECOMMENDATIONS[recommendation_code],
        "summary": "Synthetic scorecard.",
        "submitted_at": submitted,
        "created_at": submitted,
        "updated_at": submitted,
    }
    if shadow:
        values["shadow"] = True
    writer.insert(Scorecard, card_ids.size, values)


def _insert_ratings(
    writer: BulkWriter, scorecard_ids: np.ndarray, criterion_ids: np.ndarray, rating: np.ndarray
) -> None:
    writer.insert(
        CriterionRating,
        rating.size,
        {
            "id": writer.reserve_ids(CriterionRating, rating.size),
            "scorecard_id": scorecard_ids,
            "criterion_id": criterion_ids,
            "rating": rating,
        },
    )


def _ratings(
    rng: np.random.Generator,
    panels: Panels,
    truth: Truth,
    bank: Bank,
    card_session: np.ndarray,
    card_severity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(card index, criterion row, rating) per rating: every criterion of both questions of the
    card's session (`card_session`, session indexes), drawn from the planted model with the
    author's severity (`card_severity`)."""
    cards = card_session.size
    pair_card = np.repeat(np.arange(cards), QUESTIONS_PER_SESSION)
    pair_question = panels.question_pick[card_session].reshape(-1)
    pair_count = bank.criteria_count[pair_question]
    rating_card = np.repeat(pair_card, pair_count)
    offset = np.arange(rating_card.size) - np.repeat(np.cumsum(pair_count) - pair_count, pair_count)
    rating_criterion = np.repeat(bank.criteria_start[pair_question], pair_count) + offset
    rating_loop = panels.session_loop[card_session[rating_card]]
    latent = (
        GRAND_MEAN
        + truth.ability[rating_loop]
        + truth.easiness[rating_criterion]
        - card_severity[rating_card]
        + rng.normal(0.0, NOISE_SD, rating_card.size)
    )
    return rating_card, rating_criterion, np.clip(np.rint(latent), 0, 4).astype(np.int64)


def write_loops(
    writer: BulkWriter,
    rng: np.random.Generator,
    *,
    calendar: Calendar,
    openings: Openings,
    panels: Panels,
    scorecards: Scorecards,
    bank: Bank,
    people: People,
) -> None:
    """The loops, completed and decided: hire when the panel's mean recommendation (1..4)
    reaches 2.75; each with a balance in the generator's shape."""
    loops = calendar.loop_ids.size
    card_loop = panels.session_loop[panels.seat_session]
    panel = np.bincount(card_loop, weights=scorecards.recommendation_code + 1.0, minlength=loops)
    panel /= np.bincount(card_loop, minlength=loops)
    decided_at = [day + dt.timedelta(days=2) for day in calendar.loop_day]
    writer.insert(
        Loop,
        loops,
        {
            "id": calendar.loop_ids,
            "candidate_id": openings.candidate_ids,
            "template_id": calendar.loop_template,
            "status": Loop.Status.COMPLETED.value,
            "seed": rng.integers(0, 2**31, loops),
            "decision": np.where(panel >= 2.75, "hire", "no_hire"),
            "decision_note": "Synthetic decision.",
            "decided_by_id": people.manager_id,
            "decided_at": decided_at,
            "balance": loop_balances(panels.question_pick.reshape(loops, -1), bank),
            "created_by_id": people.manager_id,
            "created_at": [day - dt.timedelta(days=7) for day in calendar.loop_day],
            "updated_at": decided_at,
        },
    )


def write_trainees(
    writer: BulkWriter,
    rng: np.random.Generator,
    *,
    trainees: int,
    trainee_share: float,
    prefix: str,
    now: dt.datetime,
    people: People,
    panels: Panels,
    calendar: Calendar,
    truth: Truth,
    bank: Bank,
) -> Shadows:
    """`trainees` trainee users in one pool with every interviewer (qualified), and in
    `trainee_share` of the sessions one trainee (SessionTrainee, never two sessions of one loop)
    with a submitted shadow scorecard rating every criterion of the session's questions by the
    planted model, with the trainee's planted severity. Precondition: trainees >=
    SESSIONS_PER_LOOP (a loop may seat a trainee in each of its sessions)."""
    trainee_ids = writer.reserve_ids(User, trainees)
    usernames = [f"{prefix}-trainee-{i:05d}" for i in range(trainees)]
    writer.insert(
        User,
        trainees,
        {
            "id": trainee_ids,
            "password": make_password(None),
            "username": usernames,
            "email": [f"{name}@example.com" for name in usernames],
            "date_joined": now,
        },
    )
    membership = User.groups.through
    writer.insert(
        membership,
        trainees,
        {
            "id": writer.reserve_ids(membership, trainees),
            "user_id": trainee_ids,
            "group_id": Group.objects.get_or_create(name="interviewer")[0].pk,
        },
    )
    severity = rng.normal(0.0, TRAINEE_SEVERITY_SD, trainees)
    stage = np.where(
        rng.random(trainees) < 0.5,
        SessionTrainee.Stage.SHADOW.value,
        SessionTrainee.Stage.REVERSE_SHADOW.value,
    )
    pool_id = int(writer.reserve_ids(InterviewerPool, 1)[0])
    writer.insert(
        InterviewerPool, 1, {"id": [pool_id], "name": [f"{prefix} pool"], "created_at": now}
    )
    qualified = people.interviewer_ids.size
    writer.insert(
        PoolMember,
        qualified + trainees,
        {
            "id": writer.reserve_ids(PoolMember, qualified + trainees),
            "pool_id": pool_id,
            "user_id": np.concatenate([people.interviewer_ids, trainee_ids]),
            "status": np.concatenate(
                [np.full(qualified, PoolMember.Status.QUALIFIED.value, dtype=object), stage]
            ),
            "added_at": now,
        },
    )
    # Who would sit in each session of each loop (distinct within the loop), and which sessions
    # have a trainee at all.
    loops = calendar.loop_ids.size
    sessions = panels.session_ids.size
    seated = _distinct_picks(rng, loops, trainees, SESSIONS_PER_LOOP).reshape(-1)
    card_session = np.flatnonzero(rng.random(sessions) < trainee_share)
    card_trainee = seated[card_session]
    writer.insert(
        SessionTrainee,
        card_session.size,
        {
            "id": writer.reserve_ids(SessionTrainee, card_session.size),
            "session_id": panels.session_ids[card_session],
            "loop_id": calendar.loop_ids[panels.session_loop[card_session]],
            "trainee_id": trainee_ids[card_trainee],
            "pool_id": pool_id,
            "stage": stage[card_trainee],
        },
    )
    rating_card, rating_criterion, rating = _ratings(
        rng, panels, truth, bank, card_session, severity[card_trainee]
    )
    card_ids = writer.reserve_ids(Scorecard, card_session.size)
    _insert_scorecards(
        writer,
        card_ids=card_ids,
        card_session=card_session,
        author_ids=trainee_ids[card_trainee],
        recommendation_code=_recommendation_codes(rng, rating_card, rating, card_session.size),
        shadow=True,
        panels=panels,
        calendar=calendar,
    )
    _insert_ratings(writer, card_ids[rating_card], bank.criteria[rating_criterion, 0], rating)
    return Shadows(
        trainee_ids=trainee_ids,
        severity=severity,
        stage=stage,
        pool_id=pool_id,
        scorecards=int(card_session.size),
        ratings=int(rating.size),
    )


def loop_balances(loop_questions: np.ndarray, bank: Bank) -> list[dict[str, Any]]:
    """Per loop (a row of question indexes), its balance in the shape the generator writes
    (`interviews.generator.LoopBalance.as_dict`): questions per level in level order, the
    competencies its questions cover, and a note saying the questions were not generated."""
    order = dict(Level.objects.values_list("slug", "order"))
    slugs = sorted(set(bank.levels), key=lambda slug: (order.get(slug, 0), slug))
    level_of = np.array([slugs.index(slug) for slug in bank.levels], dtype=np.int64)
    counts = np.zeros((loop_questions.shape[0], len(slugs)), dtype=np.int64)
    np.add.at(counts, (np.arange(loop_questions.shape[0])[:, None], level_of[loop_questions]), 1)
    # Competencies as bits: a loop covers the OR of its questions' masks.
    names = sorted(frozenset().union(*bank.competencies))
    masks = np.array(
        [sum(1 << names.index(c) for c in competencies) for competencies in bank.competencies],
        dtype=object if len(names) > 62 else np.int64,
    )
    covered_masks = np.bitwise_or.reduce(masks[loop_questions], axis=1).tolist()
    covered_by_mask: dict[int, list[str]] = {}
    balances = []
    for row, mask in zip(counts.tolist(), covered_masks, strict=True):
        covered = covered_by_mask.get(mask)
        if covered is None:
            covered = covered_by_mask[mask] = [n for b, n in enumerate(names) if mask >> b & 1]
        balances.append(
            {
                "per_level": {slug: n for slug, n in zip(slugs, row, strict=True) if n},
                "competencies_covered": list(covered),
                "notes": [BALANCE_NOTE],
            }
        )
    return balances


@transaction.atomic
def write_synthetic_hiring_data(
    *,
    candidates: int,
    interviewers: int,
    seed: int,
    paired_share: float,
    prefix: str,
    trainee_share: float = 0.0,
    trainees: int = 0,
) -> dict[str, Any]:
    """Write every phase in one transaction and return the planted truth and the counts.
    Preconditions: `interviewers` >= MIN_INTERVIEWERS, no user named `{prefix}-*` yet, and
    `trainees` >= SESSIONS_PER_LOOP when `trainee_share` > 0. Run `analyze_written_tables` once
    it is committed."""
    rng = np.random.default_rng(seed)
    writer = BulkWriter()
    now = timezone.now()
    bank = read_bank()
    people = write_people(writer, interviewers=interviewers, prefix=prefix, now=now)
    openings = write_openings(writer, people=people, candidates=candidates, prefix=prefix, now=now)
    calendar = plan_loops(writer, rng, openings=openings, now=now)
    truth = plant_truth(rng, interviewers=interviewers, candidates=candidates, bank=bank)
    panels = write_sessions(
        writer, rng, calendar=calendar, bank=bank, people=people, paired_share=paired_share
    )
    scorecards = write_scorecards(
        writer, rng, panels=panels, calendar=calendar, truth=truth, bank=bank, people=people
    )
    write_loops(
        writer,
        rng,
        calendar=calendar,
        openings=openings,
        panels=panels,
        scorecards=scorecards,
        bank=bank,
        people=people,
    )
    shadows = None
    if trainee_share > 0:
        # A stream of its own, drawn after everything else: the data set without trainees is
        # the same data set with them, less the trainees.
        shadows = write_trainees(
            writer,
            np.random.default_rng([seed, TRAINEE_STREAM]),
            trainees=trainees,
            trainee_share=trainee_share,
            prefix=prefix,
            now=now,
            people=people,
            panels=panels,
            calendar=calendar,
            truth=truth,
            bank=bank,
        )
    return planted_summary(
        seed=seed,
        prefix=prefix,
        openings=openings,
        people=people,
        truth=truth,
        bank=bank,
        panels=panels,
        scorecards=scorecards,
        shadows=shadows,
    )


def analyze_written_tables() -> None:
    """Refresh the planner's statistics of the big tables (PostgreSQL; after the commit).
    Fresh bulk loads have no statistics yet; without them the report's joins plan badly."""
    if connection.vendor != "postgresql":
        return
    tables = [
        m._meta.db_table
        for m in (CriterionRating, Scorecard, Loop, InterviewSession, SessionTrainee)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def planted_summary(
    *,
    seed: int,
    prefix: str,
    openings: Openings,
    people: People,
    truth: Truth,
    bank: Bank,
    panels: Panels,
    scorecards: Scorecards,
    shadows: Shadows | None = None,
) -> dict[str, Any]:
    """The planted truth by id (JSON-ready) with the model's parameters and the counts; with
    trainees also theirs (`trainees`), which are not counted in `counts` (the report's main
    statistics leave shadow scorecards out)."""
    ids = people.interviewer_ids.tolist()
    summary = {
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
            "ratings": scorecards.ratings,
            "scorecards": int(panels.seat_session.size),
            "sessions": int(panels.session_ids.size),
            "paired_sessions": int(panels.paired.sum()),
            "loops": int(openings.candidate_ids.size),
            "interviewers": len(ids),
            "candidates": int(openings.candidate_ids.size),
        },
        "jobs": openings.job_ids.tolist(),
        "severity": dict(zip(map(str, ids), truth.severity.tolist(), strict=True)),
        "ability": dict(
            zip(map(str, openings.candidate_ids.tolist()), truth.ability.tolist(), strict=True)
        ),
        "easiness": dict(
            zip(map(str, bank.criteria[:, 0].tolist()), truth.easiness.tolist(), strict=True)
        ),
    }
    if shadows is not None:
        trainee_ids = list(map(str, shadows.trainee_ids.tolist()))
        summary["trainees"] = {
            "severity_sd": TRAINEE_SEVERITY_SD,
            "pool": shadows.pool_id,
            "shadow_scorecards": shadows.scorecards,
            "shadow_ratings": shadows.ratings,
            "severity": dict(zip(trainee_ids, shadows.severity.tolist(), strict=True)),
            "stage": dict(zip(trainee_ids, shadows.stage.tolist(), strict=True)),
        }
    return summary
