"""Over many loops from one template the generator evens out question exposure, interviewer load
and interviewer-question pairings (pure generator over the real bank's shape, no database)."""

import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from interviews.generator import (
    BankQuestion,
    LoopHistory,
    LoopInfeasible,
    LoopRequest,
    generate_loop,
)
from tests.interviews.conftest import SEED_QUOTAS
from tests.interviews.generator_rules import assert_hard_rules

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "questionbank.json"
POOL = tuple(range(101, 109))  # eight interviewers


def _seed_bank() -> tuple[list[BankQuestion], dict[str, int]]:
    rows = json.loads(FIXTURE.read_text())
    levels = {r["pk"]: r["fields"]["order"] for r in rows if r["model"] == "questionbank.level"}
    bank = [
        BankQuestion(
            id=r["pk"],
            level=r["fields"]["level"],
            estimated_minutes=r["fields"]["estimated_minutes"],
            competencies=frozenset(r["fields"]["competencies"]),
        )
        for r in rows
        if r["model"] == "questionbank.question"
    ]
    return bank, levels


def _request(levels: dict[str, int], seed: int, pool=POOL) -> LoopRequest:
    return LoopRequest(
        level_quotas=SEED_QUOTAS,
        level_order=levels,
        session_count=4,
        session_minutes=60,
        interviewers_per_session=1,
        interviewer_ids=pool,
        seed=seed,
    )


@functools.cache
def _run_loops(count: int):
    """Generate `count` loops (one candidate each), feeding each plan back into the history.
    Cached: three tests read the same 200 loops."""
    bank, levels = _seed_bank()
    exposure: Counter[int] = Counter()
    load: Counter[int] = Counter()
    pairings: Counter[tuple[int, int]] = Counter()
    for seed in range(count):
        current = [
            BankQuestion(
                id=q.id,
                level=q.level,
                estimated_minutes=q.estimated_minutes,
                competencies=q.competencies,
                exposure=exposure[q.id],
            )
            for q in bank
        ]
        history = LoopHistory(interviewer_load=dict(load), pairings=dict(pairings))
        request = _request(levels, seed)
        plan = generate_loop(request, current, history)
        assert_hard_rules(plan, request, current, history)
        for session in plan.sessions:
            for user_id in session.interviewers:
                load[user_id] += 1
                for pq in session.questions:
                    pairings[user_id, pq.question] += 1
            for pq in session.questions:
                exposure[pq.question] += 1
    return bank, exposure, load, pairings


def test_two_hundred_loops_even_out_exposure_within_each_level():
    bank, exposure, _, _ = _run_loops(200)
    for level in SEED_QUOTAS:
        counts = [exposure[q.id] for q in bank if q.level == level]
        assert max(counts) - min(counts) <= 1, (level, counts)


def test_two_hundred_loops_even_out_interviewer_load():
    _, _, load, _ = _run_loops(200)
    assert set(load) == set(POOL)
    assert max(load.values()) - min(load.values()) <= 1
    assert sum(load.values()) == 200 * 4


def test_pairings_rotate_so_every_interviewer_meets_most_of_the_bank():
    bank, _, _, pairings = _run_loops(200)
    for user_id in POOL:
        met = {q for (u, q) in pairings if u == user_id}
        assert len(met) >= 0.9 * len(bank), (user_id, len(met))


def test_same_seed_same_plan_and_another_seed_another_plan():
    bank, levels = _seed_bank()
    history = LoopHistory()
    first = generate_loop(_request(levels, 42), bank, history)
    assert generate_loop(_request(levels, 42), bank, history) == first
    assert generate_loop(_request(levels, 43), bank, history) != first


def test_sessions_mix_levels_and_run_from_easier_to_harder():
    bank, levels = _seed_bank()
    plan = generate_loop(_request(levels, 5), bank, LoopHistory())
    for session in plan.sessions:
        assert len({pq.level for pq in session.questions}) == len(session.questions)
    assert plan.balance.notes == []


def test_least_loaded_interviewers_are_chosen():
    bank, levels = _seed_bank()
    busy = {101: 5, 102: 5, 103: 0, 104: 1, 105: 0, 106: 9}
    plan = generate_loop(
        _request(levels, 1, pool=(101, 102, 103, 104, 105, 106)),
        bank,
        LoopHistory(interviewer_load=busy),
    )
    seated = {u for s in plan.sessions for u in s.interviewers}
    assert seated == {103, 104, 105, 101} or seated == {103, 104, 105, 102}


def test_shortage_names_the_level_its_unused_questions_and_the_missing_interviewers():
    bank, levels = _seed_bank()
    behavioral = [q.id for q in bank if q.level == "behavioral"]
    request = LoopRequest(
        level_quotas={"behavioral": 3, "beginner": 1},
        level_order=levels,
        session_count=2,
        session_minutes=60,
        interviewers_per_session=2,
        interviewer_ids=(101, 102, 103),
        seed=1,
    )
    with pytest.raises(LoopInfeasible) as refused:
        generate_loop(request, bank, LoopHistory(asked_of_candidate=frozenset(behavioral[:3])))
    assert refused.value.shortages == {
        "interviewers": [
            "2 session(s) with 2 interviewer(s) each need 4 different interviewers; 3 given, "
            "1 missing."
        ],
        "level_quotas.behavioral": [
            "Level 'behavioral' needs 3 question(s) but has only 2 unused: 5 active, 3 already "
            "asked of this candidate in earlier loops; 1 short."
        ],
    }


def test_shortage_names_the_session_that_overflows_its_minutes():
    bank = [BankQuestion(id=n, level="advanced", estimated_minutes=30) for n in range(1, 5)]
    request = LoopRequest(
        level_quotas={"advanced": 3},
        level_order={"advanced": 1},
        session_count=2,
        session_minutes=40,
        interviewers_per_session=1,
        interviewer_ids=(101, 102),
        seed=1,
    )
    with pytest.raises(LoopInfeasible) as refused:
        generate_loop(request, bank, LoopHistory())
    assert refused.value.shortages == {
        "sessions.1": [
            "Session 1 would need 60 minutes for its 2 question(s) but lasts 40; lengthen the "
            "sessions, add sessions or lower the quotas."
        ],
        "session_minutes": [
            "Even the shortest unused questions need 90 minutes in all and do not fit 2 "
            "session(s) of 40 minutes."
        ],
    }


def test_shorter_questions_replace_longer_ones_when_needed_to_fit():
    bank = [
        BankQuestion(id=1, level="advanced", estimated_minutes=30),
        BankQuestion(id=2, level="advanced", estimated_minutes=30),
        BankQuestion(id=3, level="advanced", estimated_minutes=10, exposure=3),
    ]
    request = LoopRequest(
        level_quotas={"advanced": 2},
        level_order={"advanced": 1},
        session_count=1,
        session_minutes=40,
        interviewers_per_session=1,
        interviewer_ids=(101,),
        seed=1,
    )
    plan = generate_loop(request, bank, LoopHistory())
    assert {pq.question for pq in plan.sessions[0].questions} in ({1, 3}, {2, 3})
    assert plan.balance.notes == [
        "To fit the session minutes, shorter questions replaced less-asked ones at level(s) "
        "advanced, so exposure there evens out more slowly."
    ]
