"""Variance components and the decision study against Brennan (2001) and planted simulations.

Plain pytest, no Django. Published values: Brennan, R. L. (2001). Generalizability Theory,
Springer: synthetic data set No. 4 (p x (r:t)) and No. 3 (p x i x o), raw scores in
tests/scoring/gtheory_reference_data.py with where they came from.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.calibration.inputs import group_rows
from scoring.calibration.variance import (
    RESIDUAL,
    decision_advice,
    decision_coefficients,
    decision_study,
    henderson_one,
    loop_components,
)
from tests.scoring.gtheory_reference_data import SYNTHETIC_3, SYNTHETIC_4

# Brennan (2001), synthetic data set No. 4, G study p x (r:t) (Table 3.3 and section 4.2).
BRENNAN_4 = {"p": 0.4731, "t": 0.3252, "r:t": 0.6475, "pt": 0.5596, "pr:t,e": 2.3802}
# Brennan (2001), synthetic data set No. 3, G study p x i x o (Table 3.4 and section 4.4).
BRENNAN_3 = {
    "p": 0.5528,
    "i": 0.4417,
    "o": 0.0074,
    "pi": 0.5750,
    "po": 0.1009,
    "io": 0.1565,
    "pio,e": 0.9352,
}


def _synthetic_4() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = np.array(SYNTHETIC_4, dtype=np.float64)  # persons x raters
    person, rater = np.indices(table.shape)
    person, rater = person.ravel(), rater.ravel()
    task = rater // 4  # raters 0-3 score task 0, 4-7 task 1, 8-11 task 2: r:t
    person_task, _ = group_rows(person, task)
    return table.ravel(), {"p": person, "t": task, "r:t": rater, "pt": person_task}


def _synthetic_3() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = np.array(SYNTHETIC_3, dtype=np.float64)  # persons x occasions x items
    person, occasion, item = (axis.ravel() for axis in np.indices(table.shape))
    return table.ravel(), {
        "p": person,
        "i": item,
        "o": occasion,
        "pi": group_rows(person, item)[0],
        "po": group_rows(person, occasion)[0],
        "io": group_rows(item, occasion)[0],
    }


def _brennan_4_loop(components: dict[str, float]) -> dict[frozenset[str], float]:
    return loop_components(
        candidate=components["p"],
        question=components["t"],
        interviewer=components["r:t"],
        candidate_question=components["pt"],
        residual=components["pr:t,e"],
    )


# 1. G studies: the published components from the raw scores -------------------------------


def test_synthetic_4_components_match_brennan_2001() -> None:
    score, terms = _synthetic_4()
    fit = henderson_one(score, terms)
    assert fit.names == ("p", "t", "r:t", "pt", RESIDUAL)
    published = list(BRENNAN_4.values())
    assert [round(value, 4) for value in fit.estimate.tolist()] == published
    assert fit.notes == ()
    assert fit.levels == {"p": 10, "t": 3, "r:t": 12, "pt": 30}


def test_synthetic_3_components_match_brennan_2001() -> None:
    score, terms = _synthetic_3()
    fit = henderson_one(score, terms)
    assert [round(value, 4) for value in fit.estimate.tolist()] == list(BRENNAN_3.values())


def test_synthetic_4_as_p_by_i_matches_brennan_table_6_2() -> None:
    # The same scores read as p x i with the 12 rater-task combinations as items (Brennan 2001,
    # Table 6.2, p. 182): s2(p) .6258, s2(i) .8840, s2(pi,e) 2.7872.
    score, terms = _synthetic_4()
    fit = henderson_one(score, {"p": terms["p"], "i": terms["r:t"]})
    assert [round(value, 4) for value in fit.estimate.tolist()] == [0.6258, 0.8840, 2.7872]


def test_shares_are_components_over_their_sum() -> None:
    score, terms = _synthetic_4()
    shares = henderson_one(score, terms).shares()
    total = sum(BRENNAN_4.values())  # 4.3856
    assert round(shares["p"], 3) == round(0.4731 / total, 3) == 0.108
    assert round(shares[RESIDUAL], 3) == round(2.3802 / total, 3) == 0.543
    assert abs(sum(shares.values()) - 1.0) < 1e-12


# 2. D studies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "raters", "generalizability", "dependability"),
    [(3, 4, 0.55, 0.46), (3, 1, 0.326, 0.266), (3, 2, 0.448, 0.372), (6, 1, 0.491, 0.420)],
)
def test_decision_study_of_brennan_4_components(
    tasks: int, raters: int, generalizability: float, dependability: float
) -> None:
    digits = len(str(generalizability).split(".")[1])
    result = decision_coefficients(_brennan_4_loop(BRENNAN_4), {"q": tasks, "r": raters})
    assert round(result.generalizability, digits) == generalizability
    assert round(result.dependability, digits) == dependability


def test_decision_study_from_estimated_components_matches_brennan_4() -> None:
    score, terms = _synthetic_4()
    estimate = dict(zip(BRENNAN_4, henderson_one(score, terms).estimate.tolist(), strict=True))
    grid = decision_study(_brennan_4_loop(estimate))
    assert len(grid) == 8 * 4
    assert [(row["questions"], row["interviewers"]) for row in grid[:5]] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 1),
    ]
    three_by_four = next(row for row in grid if (row["questions"], row["interviewers"]) == (3, 4))
    assert round(three_by_four["generalizability"], 2) == 0.55
    assert round(three_by_four["dependability"], 2) == 0.46


def test_decision_study_of_brennan_3_p_by_i_by_o() -> None:
    # Brennan (2001) section 4.4: p x I x O with 4 items and 2 occasions: E rho^2 .64, Phi .55.
    components = {
        frozenset("p"): BRENNAN_3["p"],
        frozenset("i"): BRENNAN_3["i"],
        frozenset("o"): BRENNAN_3["o"],
        frozenset("pi"): BRENNAN_3["pi"],
        frozenset("po"): BRENNAN_3["po"],
        frozenset("io"): BRENNAN_3["io"],
        frozenset("pio"): BRENNAN_3["pio,e"],
    }
    result = decision_coefficients(components, {"i": 4, "o": 2})
    assert round(result.generalizability, 2) == 0.64
    assert round(result.dependability, 2) == 0.55


def test_advice_names_the_addition_that_helps_more() -> None:
    # From 3 tasks x 4 raters (Brennan 4): a 4th task gives E rho^2 .4731 / (.4731 + .5596/4 +
    # 2.3802/16) = .621 (+.070); a 5th rater per task .4731 / (.4731 + .5596/3 + 2.3802/15)
    # = .578 (+.027).
    advice = decision_advice(_brennan_4_loop(BRENNAN_4), questions=3, interviewers=4)
    assert advice.startswith("From 3 questions with 4 interviewers each (generalizability 0.551)")
    assert "one more question (+0.070, 4 more scorings) helps more than" in advice
    assert "one more interviewer per question (+0.027, 3 more scorings)" in advice


def test_decision_study_is_none_without_candidate_variance() -> None:
    zero = loop_components(
        candidate=0.0, question=0.0, interviewer=0.0, candidate_question=0.0, residual=0.0
    )
    assert decision_coefficients(zero, {"q": 2, "r": 1}).generalizability is None
    assert decision_advice(zero, 2, 1) is None


# 3. Negative and inseparable components ------------------------------------------------------


def test_negative_estimate_is_set_to_zero_and_said() -> None:
    # Two questions with identical means: the question mean square (0) is below its expectation
    # under no question effect, so the moment estimate is negative (Brennan 2001, section 3.4).
    score = np.array([1.0, 3.0, 3.0, 1.0, 2.0, 4.0, 4.0, 2.0])
    candidate = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    question = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    fit = henderson_one(score, {"candidate": candidate, "question": question})
    assert fit.raw_estimate[1] < 0
    assert fit.estimate[1] == 0.0
    assert any(note.startswith("question estimated negative") for note in fit.notes)
    assert fit.shares()["question"] == 0.0


def test_candidate_question_folded_into_residual_when_every_cell_is_scored_once() -> None:
    # One rater per task: every person x task cell holds one score, so s2(pt) and the residual
    # cannot be told apart (T_pt = T_0) and the rater is the task (T_r = T_t).
    score, terms = _synthetic_4()
    first_rater = terms["r:t"] % 4 == 0
    kept = {name: code[first_rater] for name, code in terms.items()}
    fit = henderson_one(
        score[first_rater],
        {"p": kept["p"], "t": kept["t"], "r": kept["r:t"], "pt": kept["pt"]},
        drop_order=("pt", "r"),
    )
    assert np.isnan(fit.raw_estimate[2]) and np.isnan(fit.raw_estimate[3])
    assert np.isfinite(fit.raw_estimate[[0, 1, 4]]).all()
    assert fit.as_dict()["pt"] is None and fit.shares()["pt"] is None
    assert [note.split(" ")[0] for note in fit.notes if "separated" in note] == ["pt", "r"]


# 4. Planted components on sparse data shaped like ours ------------------------------------------

PLANTED = {"candidate": 0.30, "question": 0.10, "interviewer": 0.15, "cq": 0.12, RESIDUAL: 0.40}


def _simulated_loops(
    candidates: int, rng: np.random.Generator, questions: int = 60, interviewers: int = 200
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Question scores of loops of 4 sessions x 2 questions, 30% of sessions with a second
    interviewer, from score = 2 + p + q + r + pq + e with the PLANTED variances."""
    sessions = candidates * 4
    session_candidate = np.repeat(np.arange(candidates), 4)
    # Eight distinct consecutive bank questions per candidate, two per session.
    first_question = rng.integers(0, questions, candidates)
    session_questions = (first_question[:, None] + np.arange(8)) % questions
    session_questions = session_questions.reshape(sessions, 2)
    lead = rng.integers(0, interviewers, sessions)
    second = (lead + 1 + rng.integers(0, interviewers - 1, sessions)) % interviewers
    paired = rng.random(sessions) < 0.3
    slot = np.repeat(np.arange(sessions), 2)  # one row per (session, question)
    twice = paired[slot]
    candidate = np.concatenate([session_candidate[slot], session_candidate[slot][twice]])
    question = np.concatenate([session_questions.ravel(), session_questions.ravel()[twice]])
    interviewer = np.concatenate([lead[slot], second[slot][twice]])
    cell, _ = group_rows(candidate, question)

    def effects(variance: float, size: int) -> np.ndarray:
        return rng.normal(0.0, np.sqrt(variance), size)

    score = (
        2.0
        + effects(PLANTED["candidate"], candidates)[candidate]
        + effects(PLANTED["question"], questions)[question]
        + effects(PLANTED["interviewer"], interviewers)[interviewer]
        + effects(PLANTED["cq"], int(cell.max()) + 1)[cell]
        + effects(PLANTED[RESIDUAL], candidate.size)
    )
    terms = {"candidate": candidate, "question": question, "interviewer": interviewer, "cq": cell}
    return score, terms


@pytest.fixture(scope="module")
def replications_of_10_4() -> np.ndarray:
    """Raw estimates of 40 independent data sets of ~10^4 question scores (960 candidates)."""
    return np.array(
        [
            henderson_one(*_simulated_loops(960, np.random.default_rng(seed))).raw_estimate
            for seed in range(40)
        ]
    )


def test_planted_components_are_recovered_without_bias_at_10_4(
    replications_of_10_4: np.ndarray,
) -> None:
    planted = np.array(list(PLANTED.values()))
    spread = replications_of_10_4.std(axis=0, ddof=1)  # standard error of one estimate
    mean = replications_of_10_4.mean(axis=0)
    # Unbiased: the mean of 40 estimates within 3 standard errors of that mean.
    assert (np.abs(mean - planted) < 3 * spread / np.sqrt(40)).all(), (mean, spread)
    # Each single estimate within 4 standard errors.
    assert (np.abs(replications_of_10_4 - planted) < 4 * spread).all()


def test_planted_components_are_recovered_at_10_6(replications_of_10_4: np.ndarray) -> None:
    score, terms = _simulated_loops(100_000, np.random.default_rng(2026))
    assert 1_000_000 <= score.size <= 1_100_000
    fit = henderson_one(score, terms)
    planted = np.array(list(PLANTED.values()))
    # Standard errors at 10^6 from those at 10^4: the candidate, candidate x question and
    # residual terms have 100_000 / 960 times the levels (SE / sqrt of that); the question and
    # interviewer pools are the same size, so their SE stays that of 60 questions and 200
    # interviewers.
    shrink = np.sqrt(100_000 / 960)
    spread = replications_of_10_4.std(axis=0, ddof=1) / np.array([shrink, 1, 1, shrink, shrink])
    assert (np.abs(fit.raw_estimate - planted) < 3 * spread).all(), (fit.raw_estimate, spread)
    assert fit.notes == ()
