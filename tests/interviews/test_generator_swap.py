"""The generator's offer of replacements for one question of a loop (pure, no database):
hard rules decide who is eligible, soft goals rank them, the seed breaks ties."""

import random

from interviews.generator import (
    BankQuestion,
    LoopHistory,
    SwapRequest,
    no_swap_candidate,
    swap_balance,
    swap_candidates,
    swap_problems,
)

OUT = BankQuestion(id=1, level="advanced", estimated_minutes=20, competencies=frozenset({"sql"}))


def _request(**overrides) -> SwapRequest:
    fields = {
        "question_out": OUT,
        "session_order": 2,
        "session_interviewers": (501, 502),
        "minutes_left": 25,
        "loop_question_ids": frozenset({1, 2, 3}),
        "covered_elsewhere": frozenset({"statistics"}),
        "seed": 7,
    }
    fields.update(overrides)
    return SwapRequest(**fields)


def _question(question_id: int, **overrides) -> BankQuestion:
    fields = {"id": question_id, "level": "advanced", "estimated_minutes": 20}
    fields.update(overrides)
    return BankQuestion(**fields)


def _ids(questions) -> list[int]:
    return [q.id for q in questions]


def test_only_questions_that_keep_every_hard_rule_are_offered():
    bank = [
        OUT,
        _question(2),  # already in the loop
        _question(10),  # eligible
        _question(11, is_active=False),
        _question(12, level="beginner"),
        _question(13, estimated_minutes=26),  # one minute too long
        _question(14, estimated_minutes=25),  # exactly fits
        _question(15),  # the candidate met it in an earlier loop
    ]
    history = LoopHistory(asked_of_candidate=frozenset({15}))

    offered = swap_candidates(_request(), bank, history)

    assert sorted(_ids(offered)) == [10, 14]
    refused = {q.id: swap_problems(q, _request(), history) for q in bank if q not in offered}
    assert refused == {
        1: ["Question 1 is already in this loop."],
        2: ["Question 2 is already in this loop."],
        11: ["Question 11 is not active."],
        12: [
            "Question 12 is at level 'beginner'; the replacement must be at level 'advanced' to "
            "keep the template's quotas."
        ],
        13: ["Question 13 takes 26 minutes; the session has 25 minutes left for it."],
        15: ["Question 15 was already asked of this candidate in an earlier loop."],
    }


def test_least_asked_comes_first_then_new_competencies_then_fresh_pairings():
    bank = [
        _question(10, exposure=3, competencies=frozenset({"causal", "ab-testing"})),
        _question(11, exposure=1),
        _question(12, exposure=1, competencies=frozenset({"causal"})),
        _question(13, exposure=1, competencies=frozenset({"statistics"})),  # covered elsewhere
        _question(14, exposure=1, competencies=frozenset({"ab-testing"})),
    ]
    # 12 and 14 both add one new competency; 12 was asked by the session's interviewers before.
    history = LoopHistory(pairings={(501, 12): 2, (999, 14): 5})

    offered = swap_candidates(_request(), bank, history)

    assert _ids(offered[:2]) == [14, 12]
    assert set(_ids(offered[2:4])) == {11, 13}  # no new competency: a seeded tie
    assert _ids(offered)[-1] == 10  # the most asked comes last whatever it covers


def test_the_same_inputs_and_seed_give_the_same_offer_whatever_the_bank_order():
    bank = [_question(question_id) for question_id in range(10, 40)]  # all tied on every goal
    shuffled = list(bank)
    random.Random(3).shuffle(shuffled)

    first = _ids(swap_candidates(_request(), bank, LoopHistory()))

    assert _ids(swap_candidates(_request(), shuffled, LoopHistory())) == first
    assert sorted(first) == list(range(10, 40))
    other_seeds = {
        tuple(_ids(swap_candidates(_request(seed=seed), bank, LoopHistory())))
        for seed in range(8, 12)
    }
    assert other_seeds - {tuple(first)}  # the seed, not the ids, breaks the ties


def test_nothing_eligible_gives_an_empty_offer_and_an_error_naming_the_level():
    bank = [OUT, _question(10, estimated_minutes=40)]

    assert swap_candidates(_request(), bank, LoopHistory()) == []
    error = no_swap_candidate(_request())
    assert error.shortages == {
        "question_out": [
            "No unused active question at level 'advanced' fits the 25 minutes left in the "
            "session; choose question_in yourself or add questions to the bank."
        ]
    }


def test_balance_after_a_swap_recomputes_coverage_and_notes():
    bank = [
        OUT,
        _question(10, competencies=frozenset({"causal"}), exposure=0),
        _question(11, competencies=frozenset({"sql"}), exposure=4),
    ]
    offered = swap_candidates(_request(), bank, LoopHistory())
    balance = {
        "per_level": {"advanced": 2},
        "competencies_covered": ["sql", "statistics"],
        "notes": ["1 competency of these levels not covered within the quotas: causal.", "kept"],
    }

    by_hand = swap_balance(
        balance=balance,
        request=_request(),
        question_in=bank[2],
        eligible=offered,
        bank=bank,
        chosen_by_hand=True,
    )
    generated = swap_balance(
        balance=balance,
        request=_request(),
        question_in=offered[0],
        eligible=offered,
        bank=bank,
        chosen_by_hand=False,
    )

    assert by_hand == {
        "per_level": {"advanced": 2},
        "competencies_covered": ["sql", "statistics"],
        "notes": [
            "kept",
            "Question 11 was chosen by hand in session 2; 1 less-asked question(s) at level "
            "'advanced' were available.",
            "1 competency of level 'advanced' not covered within the quotas: causal.",
        ],
    }
    assert generated == {
        "per_level": {"advanced": 2},
        "competencies_covered": ["causal", "statistics"],
        "notes": ["kept", "1 competency of level 'advanced' not covered within the quotas: sql."],
    }
