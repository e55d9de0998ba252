"""The loop generator: plain Python over plain data, no ORM (STYLE.md).

`generate_loop` turns a template's quotas, a pool of interviewers and a snapshot of the bank and its
history into a concrete plan. The selectors `interviews.selectors.bank_questions` and `loop_history`
gather the snapshot; the service `interviews.services.loop_generate` writes the plan.
`swap_candidates` ranks the questions that may replace one question of a loop (the selector
`swap_inputs` gathers its inputs; the service `loop_swap_question` takes the first or checks a
chosen one against them).

Hard rules (a plan that breaks one is never returned; `LoopInfeasible` names what is short):
  - exactly the template's level quotas; no question twice in a loop; only active questions;
  - no question the candidate met in an earlier loop that was not cancelled;
  - every session has at least one question, and its questions fit its minutes;
  - `interviewers_per_session` interviewers in every session, each in one session of the loop.
  With a pool (`LoopRequest.pool`, a template's `interviewer_pool`), also:
  - scoring seats go to the pool's qualified members only, trainee seats to its members in
    training (shadow, reverse_shadow), at most `trainees_per_session` per session;
  - nobody sits twice in the loop (scoring or trainee), nor with a candidate they met in an
    earlier loop that was not cancelled;
  - nobody goes over their `weekly_limit`: every new seat counts in the week the new loop's
    sessions count in (its creation week while they have no time), on top of `week_load`.

Soft goals, in priority order (a `balance.notes` entry for each one not met):
  1. least-asked questions first at every level, so exposure evens out across the bank;
  2. among equally asked questions, the ones that cover competencies not yet covered;
  3. every session a mix of levels, ordered from easier to harder;
  4. interviewers with the fewest upcoming sessions first;
  5. interviewer-question pairings rotated: each session goes to the interviewers who have asked
     its questions least often, so that over many loops interviewers share questions and
     candidates (what lets calibration separate a harsh interviewer from a hard question).
  With a pool, before 4: the fewest sessions in the week concerned (so loads even out within a
  week: among those below their limit, counts differ by at most one), and before 5: each session
  to members whose pools cover its levels and competencies; a trainee in every session asked for
  (too few trainees is a note, not a failure: the loop can run without them).

Deterministic: every tie is broken by `random.Random(seed)` draws taken in sorted orders, so the
same inputs and seed give the same plan. (A pool's qualified members draw from their own stream,
`random.Random(f"{seed}:pool")`, so who takes the scoring seats is known before the questions are
picked: `pool_seat_holders`.)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class BankQuestion:
    """A question of the bank as the generator sees it; `exposure` counts the non-cancelled loops
    that ask it. (Not frozen: a frozen dataclass costs ~5x to build, and the selector builds one
    per question of the bank on every generation. The generator never changes one.)"""

    id: int
    level: str
    estimated_minutes: int
    competencies: frozenset[str] = frozenset()
    exposure: int = 0
    is_active: bool = True


@dataclass(frozen=True)
class StaffMember:
    """A member of the pool that staffs the loop.

    `week_load` counts the sessions (scoring and trainee seats of loops not cancelled) already in
    the week the new loop's sessions count in; `levels` and `competencies` are what the pools the
    member is qualified in cover (None: any)."""

    user: int
    status: str  # "shadow", "reverse_shadow" or "qualified"
    weekly_limit: int | None = None
    week_load: int = 0
    levels: frozenset[str] | None = None
    competencies: frozenset[str] | None = None

    @property
    def has_room(self) -> bool:
        """Whether one more session this week keeps the member within their limit."""
        return self.weekly_limit is None or self.week_load + 1 <= self.weekly_limit


QUALIFIED = "qualified"
IN_TRAINING = frozenset({"shadow", "reverse_shadow"})


@dataclass(frozen=True)
class PoolStaffing:
    """The pool a loop is staffed from, and who met the candidate in earlier loops (not
    cancelled; scoring or trainee seats)."""

    name: str
    members: tuple[StaffMember, ...]
    trainees_per_session: int = 0
    met_candidate: frozenset[int] = frozenset()


@dataclass(frozen=True)
class LoopRequest:
    level_quotas: Mapping[str, int]
    level_order: Mapping[str, int]
    session_count: int
    session_minutes: int
    interviewers_per_session: int
    interviewer_ids: Sequence[int]
    seed: int
    # Staff from a pool instead of `interviewer_ids` (which are then ignored).
    pool: PoolStaffing | None = None


@dataclass(frozen=True)
class LoopHistory:
    """What earlier loops did: questions the candidate already met (in non-cancelled loops),
    each interviewer's upcoming sessions, and how often each (interviewer, question) pair met."""

    asked_of_candidate: frozenset[int] = frozenset()
    interviewer_load: Mapping[int, int] = field(default_factory=dict)
    pairings: Mapping[tuple[int, int], int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedQuestion:
    question: int
    level: str
    order: int
    estimated_minutes: int


@dataclass(frozen=True)
class PlannedSession:
    order: int
    interviewers: tuple[int, ...]
    duration_minutes: int
    questions: tuple[PlannedQuestion, ...]
    trainees: tuple[int, ...] = ()


@dataclass(frozen=True)
class LoopBalance:
    per_level: dict[str, int]
    competencies_covered: list[str]
    notes: list[str]

    def as_dict(self) -> dict:
        return {
            "per_level": dict(self.per_level),
            "competencies_covered": list(self.competencies_covered),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class LoopPlan:
    seed: int
    sessions: tuple[PlannedSession, ...]
    balance: LoopBalance


class LoopInfeasible(Exception):
    """The request cannot be met. `shortages` maps a request field to sentences naming what is
    short (a level and its unused questions, missing interviewers, an overflowing session)."""

    def __init__(self, shortages: dict[str, list[str]]) -> None:
        self.shortages = shortages
        sentences = [s for messages in shortages.values() for s in messages]
        self.message = " ".join(sentences)
        super().__init__(self.message)


def _levels_in_order(levels: Iterable[str], level_order: Mapping[str, int]) -> list[str]:
    return sorted(levels, key=lambda slug: (level_order.get(slug, 0), slug))


def _quota_shortages(level_quotas: Mapping[str, int], session_count: int) -> dict[str, list[str]]:
    shortages: dict[str, list[str]] = {}
    negative = sorted(slug for slug, n in level_quotas.items() if n < 0)
    for slug in negative:
        shortages[f"level_quotas.{slug}"] = [
            f"The quota for level '{slug}' is negative; use 0 or more."
        ]
    total = sum(n for n in level_quotas.values() if n > 0)
    if total == 0:
        shortages.setdefault("level_quotas", []).append(
            "The template asks for no questions; give at least one level a quota above 0."
        )
    elif total < session_count:
        shortages.setdefault("level_quotas", []).append(
            f"The template asks for {total} question(s) for {session_count} sessions; every "
            f"session needs at least one question, so add {session_count - total} or use fewer "
            "sessions."
        )
    return shortages


# --- arranging questions into sessions ---------------------------------------------------------


def _session_minutes(session: list[BankQuestion]) -> int:
    return sum(q.estimated_minutes for q in session)


def _fits(sessions: list[list[BankQuestion]], minutes: int) -> bool:
    return all(session and _session_minutes(session) <= minutes for session in sessions)


def _arrange_mixed(
    picks: list[BankQuestion],
    session_count: int,
    level_order: Mapping[str, int],
    tiebreak: Mapping[int, float],
) -> list[list[BankQuestion]]:
    """Spread every level evenly over the sessions (a mix of levels in each), balancing minutes.

    Questions go from easier to harder levels, longer first within a level; each goes to the
    session holding the fewest of its level, then the fewest minutes, then the fewest questions.
    """
    sessions: list[list[BankQuestion]] = [[] for _ in range(session_count)]
    ordered = sorted(
        picks,
        key=lambda q: (level_order.get(q.level, 0), q.level, -q.estimated_minutes, tiebreak[q.id]),
    )
    for question in ordered:
        target = min(
            range(session_count),
            key=lambda i: (
                sum(1 for q in sessions[i] if q.level == question.level),
                _session_minutes(sessions[i]),
                len(sessions[i]),
                i,
            ),
        )
        sessions[target].append(question)
    return sessions


def _arrange_by_minutes(
    picks: list[BankQuestion], session_count: int, tiebreak: Mapping[int, float]
) -> list[list[BankQuestion]]:
    """Longest-processing-time first: each question, longest first, to the session with the
    fewest minutes so far. The first `session_count` questions land in distinct sessions."""
    sessions: list[list[BankQuestion]] = [[] for _ in range(session_count)]
    for question in sorted(picks, key=lambda q: (-q.estimated_minutes, tiebreak[q.id])):
        target = min(
            range(session_count), key=lambda i: (_session_minutes(sessions[i]), len(sessions[i]), i)
        )
        sessions[target].append(question)
    return sessions


def _arrange(
    picks: list[BankQuestion],
    session_count: int,
    session_minutes: int,
    level_order: Mapping[str, int],
    tiebreak: Mapping[int, float],
) -> tuple[list[list[BankQuestion]], bool]:
    """The mixed arrangement when it fits, else the minutes-first one. Returns (sessions, mixed)."""
    mixed = _arrange_mixed(picks, session_count, level_order, tiebreak)
    if _fits(mixed, session_minutes):
        return mixed, True
    return _arrange_by_minutes(picks, session_count, tiebreak), False


def _overflow_shortages(
    sessions: list[list[BankQuestion]], session_minutes: int
) -> dict[str, list[str]]:
    shortages: dict[str, list[str]] = {}
    for index, session in enumerate(sessions, start=1):
        used = _session_minutes(session)
        if not session:
            shortages[f"sessions.{index}"] = [f"Session {index} would get no question."]
        elif used > session_minutes:
            shortages[f"sessions.{index}"] = [
                f"Session {index} would need {used} minutes for its {len(session)} question(s) "
                f"but lasts {session_minutes}; lengthen the sessions, add sessions or lower the "
                "quotas."
            ]
    return shortages


def template_fit_problems(
    *,
    level_quotas: Mapping[str, int],
    level_order: Mapping[str, int],
    session_count: int,
    session_minutes: int,
    bank: Sequence[BankQuestion],
) -> dict[str, list[str]]:
    """What a template asks that the bank cannot give even to a candidate who met no question:
    a quota larger than its level's active questions, or quotas whose shortest questions do not
    fit the sessions. Empty when the template can be generated for a new candidate."""
    problems = _quota_shortages(level_quotas, session_count)
    if problems:
        return problems
    by_level: dict[str, list[BankQuestion]] = {}
    for question in bank:
        if question.is_active and level_quotas.get(question.level, 0) > 0:
            by_level.setdefault(question.level, []).append(question)
    shortest: list[BankQuestion] = []
    for slug in _levels_in_order([s for s, n in level_quotas.items() if n > 0], level_order):
        available = sorted(by_level.get(slug, []), key=lambda q: (q.estimated_minutes, q.id))
        quota = level_quotas[slug]
        if len(available) < quota:
            problems[f"level_quotas.{slug}"] = [
                f"Level '{slug}' has {len(available)} active question(s) but the quota asks for "
                f"{quota}; lower it to {len(available)} or add questions."
            ]
        shortest.extend(available[:quota])
    if problems:
        return problems
    tiebreak = {q.id: 0.0 for q in shortest}
    sessions, _ = _arrange(shortest, session_count, session_minutes, level_order, tiebreak)
    overflow = _overflow_shortages(sessions, session_minutes)
    if overflow:
        needed = sum(q.estimated_minutes for q in shortest)
        problems["session_minutes"] = [
            f"The {len(shortest)} questions need at least {needed} minutes and cannot be placed "
            f"in {session_count} session(s) of {session_minutes} minutes; lengthen the sessions, "
            "add sessions or lower the quotas."
        ]
    return problems


# --- the generator -----------------------------------------------------------------------------


def _pick_level(
    eligible: list[BankQuestion],
    quota: int,
    covered: set[str],
    tiebreak: Mapping[int, float],
) -> list[BankQuestion]:
    """The `quota` least-asked questions; among equally asked ones, those adding the most
    competencies not yet covered, then the seeded tiebreak. Updates `covered`."""
    remaining = sorted(eligible, key=lambda q: (q.exposure, tiebreak[q.id]))
    widest = max((len(q.competencies) for q in remaining), default=0)
    offered = frozenset().union(*(q.competencies for q in remaining))
    picks: list[BankQuestion] = []
    for _ in range(quota):
        floor = remaining[0].exposure
        # No question can add more than this many new competencies: stop scanning on reaching it.
        ceiling = min(widest, len(offered - covered))
        best_index, best_new = 0, -1
        for index, question in enumerate(remaining):
            if question.exposure != floor:
                break
            new = len(question.competencies - covered) if ceiling else 0
            if new > best_new:
                best_index, best_new = index, new
                if new == ceiling:
                    break
        chosen = remaining.pop(best_index)
        covered |= chosen.competencies
        picks.append(chosen)
    return picks


def _fit_to_minutes(
    picks: dict[str, list[BankQuestion]],
    unused: dict[str, list[BankQuestion]],
    request: LoopRequest,
    tiebreak: Mapping[int, float],
) -> tuple[list[list[BankQuestion]], bool, list[str]]:
    """Arrange the picks into sessions; while they do not fit, trade the longest pick that has a
    shorter unused alternative at its level for the shortest one (least asked among equals).

    Returns (sessions, mixed, slugs of levels where a pick was traded). Raises LoopInfeasible
    naming the overflowing sessions when even the shortest questions do not fit.
    """
    traded: list[str] = []

    def shortest_first(q: BankQuestion) -> tuple:
        return (q.estimated_minutes, q.exposure, tiebreak[q.id])

    ordered = False
    while True:
        flat = [q for slug in picks for q in picks[slug]]
        sessions, mixed = _arrange(
            flat,
            request.session_count,
            request.session_minutes,
            request.level_order,
            tiebreak,
        )
        if _fits(sessions, request.session_minutes):
            return sessions, mixed, traded
        if not ordered:  # sorted only when a trade is needed: usually the first plan fits
            for slug in unused:
                unused[slug].sort(key=shortest_first)
            ordered = True
        best: tuple[int, int, str, int] | None = None  # (-minutes, -saving, slug, index)
        for slug in picks:
            if not unused[slug]:
                continue
            shortest = unused[slug][0].estimated_minutes
            for index, question in enumerate(picks[slug]):
                saving = question.estimated_minutes - shortest
                if saving > 0:
                    key = (-question.estimated_minutes, -saving, slug, index)
                    if best is None or key < best:
                        best = key
        if best is None:
            shortages = _overflow_shortages(sessions, request.session_minutes)
            total = sum(q.estimated_minutes for q in flat)
            shortages.setdefault("session_minutes", []).append(
                f"Even the shortest unused questions need {total} minutes in all and do not fit "
                f"{request.session_count} session(s) of {request.session_minutes} minutes."
            )
            raise LoopInfeasible(shortages)
        _, _, slug, index = best
        replacement = unused[slug].pop(0)
        out = picks[slug][index]
        picks[slug][index] = replacement
        # The traded question becomes an alternative again (it may fit elsewhere later).
        unused[slug].append(out)
        unused[slug].sort(key=shortest_first)
        if slug not in traded:
            traded.append(slug)


def _supply_shortages(
    request: LoopRequest,
    quotas: Mapping[str, int],
    levels: list[str],
    pool: list[int],
    bank: Sequence[BankQuestion],
    history: LoopHistory,
) -> tuple[dict[str, list[BankQuestion]], dict[str, list[str]]]:
    """The questions each level may use (active, not met by the candidate; by id) and what the
    request, the pool and the bank leave short (empty: the hard rules can be met)."""
    shortages = _quota_shortages(request.level_quotas, request.session_count)
    needed = request.session_count * request.interviewers_per_session
    if request.pool is not None:
        if len(pool) < needed:
            shortages["interviewers"] = [_pool_shortage(request, len(pool))]
    elif len(pool) < needed:
        shortages.setdefault("interviewers", []).append(
            f"{request.session_count} session(s) with {request.interviewers_per_session} "
            f"interviewer(s) each need {needed} different interviewers; {len(pool)} given, "
            f"{needed - len(pool)} missing."
        )
    eligible: dict[str, list[BankQuestion]] = {slug: [] for slug in levels}
    active: dict[str, int] = dict.fromkeys(levels, 0)
    for question in sorted(bank, key=lambda q: q.id):
        if question.level not in quotas or not question.is_active:
            continue
        active[question.level] += 1
        if question.id not in history.asked_of_candidate:
            eligible[question.level].append(question)
    for slug in levels:
        unused, quota = len(eligible[slug]), quotas[slug]
        if unused < quota:
            met = active[slug] - unused
            shortages[f"level_quotas.{slug}"] = [
                f"Level '{slug}' needs {quota} question(s) but has only {unused} unused: "
                f"{active[slug]} active, {met} already asked of this candidate in earlier loops; "
                f"{quota - unused} short."
            ]
    return eligible, shortages


def _pool_shortage(request: LoopRequest, available: int) -> str:
    """Who is short when a pool cannot fill every scoring seat: how many are needed and why each
    other member of the pool is out."""
    assert request.pool is not None
    pool = request.pool
    needed = request.session_count * request.interviewers_per_session
    qualified = [m for m in pool.members if m.status == QUALIFIED]
    met = sorted(m.user for m in qualified if m.user in pool.met_candidate)
    full = sorted(m.user for m in qualified if m.user not in pool.met_candidate and not m.has_room)
    training = sorted(m.user for m in pool.members if m.status != QUALIFIED)
    sentence = (
        f"Pool '{pool.name}' cannot staff {request.session_count} session(s) with "
        f"{request.interviewers_per_session} interviewer(s) each: {needed} qualified members "
        f"needed, {available} available, {needed - available} short."
    )
    reasons = [
        (full, "at their weekly limit"),
        (met, "already met this candidate"),
        (training, "still in training"),
    ]
    for users, why in reasons:
        if users:
            sentence += f" User(s) {', '.join(map(str, users))} {why}."
    return sentence + " Qualify or add members, raise a weekly limit, or use fewer seats."


def staffable_members(pool: PoolStaffing, statuses: Iterable[str]) -> list[StaffMember]:
    """The pool's members of these statuses who may take a seat in the new loop: they have
    room in the week and have not met the candidate. Sorted by user id."""
    wanted = set(statuses)
    return sorted(
        (
            m
            for m in pool.members
            if m.status in wanted and m.has_room and m.user not in pool.met_candidate
        ),
        key=lambda m: m.user,
    )


def _pool_tiebreak(request: LoopRequest, pool: Sequence[int]) -> dict[int, float]:
    """Tiebreaks of a pool's qualified members, drawn from their own seeded stream (not the
    questions'), so that who takes the scoring seats is known before the questions are picked
    (`pool_seat_holders`)."""
    rng = random.Random(f"{request.seed}:pool")
    return {user_id: rng.random() for user_id in sorted(pool)}


def pool_seat_holders(request: LoopRequest, interviewer_load: Mapping[int, int]) -> list[int]:
    """Who takes the scoring seats of a pool-staffed loop (sorted by user id): the staffable
    qualified members with the fewest sessions in the week, then the fewest upcoming ones, then
    the seeded tiebreak; the questions only decide which seat each takes. The service reads
    question pairings for them alone, whatever the pool's size."""
    assert request.pool is not None
    pool = [m.user for m in staffable_members(request.pool, [QUALIFIED])]
    tiebreak = _pool_tiebreak(request, pool)
    week = {m.user: m.week_load for m in request.pool.members}
    needed = request.session_count * request.interviewers_per_session
    ranked = sorted(pool, key=lambda u: (week[u], interviewer_load.get(u, 0), tiebreak[u]))
    return sorted(ranked[:needed])


def _coverage_miss(member: StaffMember | None, session: list[BankQuestion]) -> int:
    """How many of the session's levels and competencies the member's pools do not cover."""
    if member is None:
        return 0
    miss = 0
    if member.levels is not None:
        miss += len({q.level for q in session} - member.levels)
    if member.competencies is not None:
        miss += len(frozenset().union(*(q.competencies for q in session)) - member.competencies)
    return miss


@dataclass(frozen=True)
class Seating:
    seats: list[tuple[int, ...]]
    repeated_pairings: int
    outside_coverage: int


def _seat_interviewers(
    sessions: list[list[BankQuestion]],
    pool: list[int],
    request: LoopRequest,
    history: LoopHistory,
    tiebreak: Mapping[int, float],
) -> Seating:
    """The least loaded of the pool (with a pool: fewest sessions in the week first), then each
    session's seats to those whose pools cover it and who have asked its questions least often
    (pairings rotate over many loops)."""
    load = history.interviewer_load
    members = {m.user: m for m in request.pool.members} if request.pool else {}
    week_load = {user: m.week_load for user, m in members.items()}
    needed = request.session_count * request.interviewers_per_session
    free = sorted(pool, key=lambda u: (week_load.get(u, 0), load.get(u, 0), tiebreak[u]))
    free = free[:needed]
    seats: list[tuple[int, ...]] = []
    repeated_pairings = outside_coverage = 0
    for session in sessions:
        seated: list[int] = []
        for _ in range(request.interviewers_per_session):

            def seat_cost(user_id: int, session: list[BankQuestion] = session) -> tuple:
                pairing = sum(history.pairings.get((user_id, q.id), 0) for q in session)
                miss = _coverage_miss(members.get(user_id), session)
                return (miss, pairing, load.get(user_id, 0), tiebreak[user_id])

            best = min(free, key=seat_cost)
            free.remove(best)
            seated.append(best)
            repeated_pairings += sum(
                1 for q in session if history.pairings.get((best, q.id), 0) > 0
            )
            outside_coverage += _coverage_miss(members.get(best), session) > 0
        seats.append(tuple(seated))
    return Seating(seats, repeated_pairings, outside_coverage)


def _seat_trainees(
    session_count: int, pool: PoolStaffing, load: Mapping[int, int], rng: random.Random
) -> list[tuple[int, ...]]:
    """One trainee per session when asked (`trainees_per_session`), the least loaded in the
    week first, each in one session. Sessions past the last trainee get none."""
    candidates = staffable_members(pool, IN_TRAINING)
    tiebreak = {m.user: rng.random() for m in candidates}
    order = [
        m.user
        for m in sorted(
            candidates, key=lambda m: (m.week_load, load.get(m.user, 0), tiebreak[m.user])
        )
    ]
    per_session = pool.trainees_per_session
    return [tuple(order[i * per_session : (i + 1) * per_session]) for i in range(session_count)]


def _planned_sessions(
    sessions: list[list[BankQuestion]],
    seats: list[tuple[int, ...]],
    trainees: list[tuple[int, ...]],
    session_minutes: int,
) -> tuple[PlannedSession, ...]:
    return tuple(
        PlannedSession(
            order=index,
            interviewers=seats[index - 1],
            trainees=trainees[index - 1],
            duration_minutes=session_minutes,
            questions=tuple(
                PlannedQuestion(
                    question=q.id,
                    level=q.level,
                    order=position,
                    estimated_minutes=q.estimated_minutes,
                )
                for position, q in enumerate(session, start=1)
            ),
        )
        for index, session in enumerate(sessions, start=1)
    )


def _plan_notes(
    *,
    traded: list[str],
    levels: list[str],
    sessions: list[list[BankQuestion]],
    mixed: bool,
    uncovered: list[str],
    repeated_pairings: int,
    outside_coverage: int = 0,
    missing_trainees: int = 0,
) -> list[str]:
    """One sentence per soft goal the plan does not meet, in the goals' order."""
    notes: list[str] = []
    if traded:
        notes.append(
            "To fit the session minutes, shorter questions replaced less-asked ones at level(s) "
            f"{', '.join(traded)}, so exposure there evens out more slowly."
        )
    if len(levels) > 1:
        for index, session in enumerate(sessions, start=1):
            session_levels = {q.level for q in session}
            if len(session) > 1 and len(session_levels) == 1:
                notes.append(
                    f"Session {index} asks only '{session[0].level}' questions: no mixed "
                    "arrangement fits the session minutes."
                )
        if not mixed and not any("asks only" in note for note in notes):
            notes.append("Levels are spread by minutes, not evenly, so that the sessions fit.")
    if uncovered:
        notes.append(
            f"{len(uncovered)} competenc{'y' if len(uncovered) == 1 else 'ies'} of these levels "
            f"not covered within the quotas: {', '.join(uncovered)}."
        )
    if outside_coverage:
        notes.append(
            f"{outside_coverage} seat(s) go to interviewers whose pools do not cover every level "
            "and competency of their session; the pool had no better fit."
        )
    if repeated_pairings:
        notes.append(
            f"{repeated_pairings} interviewer-question pairing(s) repeat earlier loops; the pool "
            "had no fresher arrangement."
        )
    if missing_trainees:
        notes.append(
            f"{missing_trainees} trainee seat(s) left empty: too few trainees of the pool have "
            "room this week and have not met the candidate."
        )
    return notes


def generate_loop(
    request: LoopRequest, bank: Sequence[BankQuestion], history: LoopHistory
) -> LoopPlan:
    """Build a loop plan that obeys every hard rule, or raise LoopInfeasible naming the shortage."""
    rng = random.Random(request.seed)
    quotas = {slug: n for slug, n in request.level_quotas.items() if n > 0}
    levels = _levels_in_order(quotas, request.level_order)
    if request.pool is None:
        pool = sorted(set(request.interviewer_ids))
    else:
        pool = [m.user for m in staffable_members(request.pool, [QUALIFIED])]
    eligible, shortages = _supply_shortages(request, quotas, levels, pool, bank, history)
    if shortages:
        raise LoopInfeasible(shortages)

    # Seeded tiebreaks, drawn in a fixed order (levels in order, questions by id, then the pool).
    tiebreak = {q.id: rng.random() for slug in levels for q in eligible[slug]}
    if request.pool is None:
        interviewer_tiebreak = {user_id: rng.random() for user_id in pool}
    else:
        interviewer_tiebreak = _pool_tiebreak(request, pool)

    covered: set[str] = set()
    picks: dict[str, list[BankQuestion]] = {}
    for slug in levels:
        picks[slug] = _pick_level(eligible[slug], quotas[slug], covered, tiebreak)
    picked_ids = {q.id for slug in picks for q in picks[slug]}
    unused_by_level = {
        slug: [q for q in eligible[slug] if q.id not in picked_ids] for slug in levels
    }
    sessions, mixed, traded = _fit_to_minutes(picks, unused_by_level, request, tiebreak)

    def level_key(q: BankQuestion) -> tuple:
        return (request.level_order.get(q.level, 0), q.level, q.estimated_minutes, q.id)

    sessions = [sorted(session, key=level_key) for session in sessions]
    seating = _seat_interviewers(sessions, pool, request, history, interviewer_tiebreak)
    trainees: list[tuple[int, ...]] = [() for _ in sessions]
    missing_trainees = 0
    if request.pool is not None and request.pool.trainees_per_session:
        # Drawn after the pool's tiebreaks: plans without trainees keep their draws.
        trainees = _seat_trainees(len(sessions), request.pool, history.interviewer_load, rng)
        missing_trainees = sum(
            request.pool.trainees_per_session - len(seated) for seated in trainees
        )
    available = set().union(*(q.competencies for slug in levels for q in eligible[slug]))
    notes = _plan_notes(
        traded=traded,
        levels=levels,
        sessions=sessions,
        mixed=mixed,
        uncovered=sorted(available - covered),
        repeated_pairings=seating.repeated_pairings,
        outside_coverage=seating.outside_coverage,
        missing_trainees=missing_trainees,
    )
    balance = LoopBalance(
        per_level={slug: quotas[slug] for slug in levels},
        competencies_covered=sorted(covered),
        notes=notes,
    )
    planned = _planned_sessions(sessions, seating.seats, trainees, request.session_minutes)
    return LoopPlan(seed=request.seed, sessions=planned, balance=balance)


# --- swapping one question ---------------------------------------------------------------------


@dataclass(frozen=True)
class SwapRequest:
    """One question of a loop to replace, and what the rest of the loop leaves for its successor.

    `minutes_left` is the session's length minus the minutes of its other questions;
    `covered_elsewhere` the competencies of every other question of the loop; `seed` the loop's.
    """

    question_out: BankQuestion
    session_order: int
    session_interviewers: tuple[int, ...]
    minutes_left: int
    loop_question_ids: frozenset[int]
    covered_elsewhere: frozenset[str]
    seed: int


def replacement_problems(
    *,
    question_in: BankQuestion,
    question_out: BankQuestion,
    loop_question_ids: frozenset[int],
    asked_of_candidate: frozenset[int],
    minutes_left: int,
) -> list[str]:
    """Why `question_in` may not replace `question_out` (empty: it may): the swap's hard rules.
    `minutes_left` is the session's length minus the minutes of its other questions."""
    problems: list[str] = []
    if not question_in.is_active:
        problems.append(f"Question {question_in.id} is not active.")
    if question_in.level != question_out.level:
        problems.append(
            f"Question {question_in.id} is at level '{question_in.level}'; the replacement must "
            f"be at level '{question_out.level}' to keep the template's quotas."
        )
    if question_in.id in loop_question_ids:
        problems.append(f"Question {question_in.id} is already in this loop.")
    if question_in.id in asked_of_candidate:
        problems.append(
            f"Question {question_in.id} was already asked of this candidate in an earlier loop."
        )
    if question_in.estimated_minutes > minutes_left:
        problems.append(
            f"Question {question_in.id} takes {question_in.estimated_minutes} minutes; the "
            f"session has {minutes_left} minutes left for it."
        )
    return problems


def swap_problems(
    question_in: BankQuestion, request: SwapRequest, history: LoopHistory
) -> list[str]:
    """Why `question_in` may not replace the request's question (empty: it may)."""
    return replacement_problems(
        question_in=question_in,
        question_out=request.question_out,
        loop_question_ids=request.loop_question_ids,
        asked_of_candidate=history.asked_of_candidate,
        minutes_left=request.minutes_left,
    )


def swap_candidates(
    request: SwapRequest, bank: Sequence[BankQuestion], history: LoopHistory
) -> list[BankQuestion]:
    """Every question of `bank` that may replace the request's question, best first.

    Hard rules (`swap_problems`): active, at the same level, not in the loop, not met by the
    candidate in an earlier loop, fits the session's minutes left. Soft goals, in priority order:
    least asked; adding the most competencies the rest of the loop misses; least often paired
    with the session's interviewers. Ties are broken by `random.Random(f"{seed}:{question_out}")`
    draws taken over the eligible questions by id, so the same inputs and seed give the same
    ranking. Empty when nothing may replace it (see `no_swap_candidate`).
    """
    rng = random.Random(f"{request.seed}:{request.question_out.id}")
    eligible = [
        q for q in sorted(bank, key=lambda q: q.id) if not swap_problems(q, request, history)
    ]
    tiebreak = {q.id: rng.random() for q in eligible}
    interviewers = request.session_interviewers
    return sorted(
        eligible,
        key=lambda q: (
            q.exposure,
            -len(q.competencies - request.covered_elsewhere),
            sum(history.pairings.get((u, q.id), 0) for u in interviewers),
            tiebreak[q.id],
        ),
    )


def no_swap_candidate(request: SwapRequest) -> LoopInfeasible:
    """The error for a swap that `swap_candidates` found no replacement for."""
    return LoopInfeasible(
        {
            "question_out": [
                f"No unused active question at level '{request.question_out.level}' fits the "
                f"{request.minutes_left} minutes left in the session; choose question_in yourself "
                "or add questions to the bank."
            ]
        }
    )


def swap_balance(
    *,
    balance: Mapping[str, Any],
    request: SwapRequest,
    question_in: BankQuestion,
    eligible: Sequence[BankQuestion],
    bank: Sequence[BankQuestion],
    chosen_by_hand: bool,
) -> dict[str, Any]:
    """The loop's balance after `question_in` replaced the request's question.

    `eligible` is what `swap_candidates` offered and `bank` the active questions of the level.
    Notes on uncovered competencies are recomputed; a hand-picked question that is asked more
    often than an eligible one is noted (the soft goal it gives up).
    """
    notes = [n for n in balance.get("notes", []) if "not covered" not in n]
    level = request.question_out.level
    if chosen_by_hand:
        less_asked = [q for q in eligible if q.exposure < question_in.exposure]
        if less_asked:
            notes.append(
                f"Question {question_in.id} was chosen by hand in session "
                f"{request.session_order}; {len(less_asked)} less-asked question(s) at level "
                f"'{level}' were available."
            )
    covered = request.covered_elsewhere | question_in.competencies
    available = frozenset().union(*(q.competencies for q in bank))
    uncovered = sorted(available - covered)
    if uncovered:
        notes.append(
            f"{len(uncovered)} competenc{'y' if len(uncovered) == 1 else 'ies'} of level "
            f"'{level}' not covered within the quotas: {', '.join(uncovered)}."
        )
    return {**balance, "competencies_covered": sorted(covered), "notes": notes}
