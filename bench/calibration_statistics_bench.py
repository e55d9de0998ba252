"""Time and memory of scoring.calibration.build_report on synthetic hiring data.

Run: .venv/bin/python bench/calibration_statistics_bench.py [ratings ...]   (default 100000 1000000)

Synthetic data: one loop of 5 sessions per candidate, 1-3 interviewers per session (mean 2), one
question of 5 criteria per session, so about 50 criterion ratings per candidate; 300
interviewers with planted severities, 60 questions x 5 criteria. Prints the wall time of
build_report (after a warm-up call), its peak traced allocation (tracemalloc, a second run) and
the process peak RSS (which includes the synthetic inputs themselves).
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.calibration import CalibrationInputs, build_report  # noqa: E402

INTERVIEWERS = 300
QUESTIONS = 60
CRITERIA_PER_QUESTION = 5
SESSIONS_PER_LOOP = 5


def synthetic_inputs(target_ratings: int, seed: int = 7) -> tuple[CalibrationInputs, np.ndarray]:
    """Synthetic inputs of about `target_ratings` ratings, and the planted severities."""
    rng = np.random.default_rng(seed)
    candidates = max(target_ratings // 50, 2)
    severity = rng.normal(0.0, 0.4, INTERVIEWERS)
    severity -= severity.mean()
    ability = rng.normal(0.0, 0.7, candidates)
    easiness = rng.normal(0.0, 0.3, QUESTIONS * CRITERIA_PER_QUESTION)

    sessions = candidates * SESSIONS_PER_LOOP
    session_candidate = np.repeat(np.arange(candidates), SESSIONS_PER_LOOP)
    session_question = rng.integers(0, QUESTIONS, sessions)
    panel = rng.choice([1, 2, 3], size=sessions, p=[0.3, 0.4, 0.3])
    # Distinct interviewers within a session: a base plus offsets from disjoint ranges.
    base = rng.integers(0, INTERVIEWERS, sessions)
    offsets = np.stack(
        [
            np.zeros(sessions, dtype=np.int64),
            rng.integers(1, INTERVIEWERS // 2, sessions),
            rng.integers(INTERVIEWERS // 2, INTERVIEWERS, sessions),
        ],
        axis=1,
    )
    seat = np.arange(3)[np.newaxis, :] < panel[:, np.newaxis]
    card_session = np.broadcast_to(np.arange(sessions)[:, np.newaxis], seat.shape)[seat]
    card_interviewer = ((base[:, np.newaxis] + offsets) % INTERVIEWERS)[seat]
    cards = card_session.size

    rating_card = np.repeat(np.arange(cards), CRITERIA_PER_QUESTION)
    rating_session = card_session[rating_card]
    rating_interviewer = card_interviewer[rating_card]
    rating_candidate = session_candidate[rating_session]
    criterion = session_question[rating_session] * CRITERIA_PER_QUESTION + np.tile(
        np.arange(CRITERIA_PER_QUESTION), cards
    )
    expected = 2.0 + ability[rating_candidate] + easiness[criterion] - severity[rating_interviewer]
    rating = np.clip(np.rint(expected + rng.normal(0.0, 0.6, expected.size)), 0, 4)

    card_mean = np.bincount(rating_card, weights=rating) / CRITERIA_PER_QUESTION
    recommendation = np.digitize(card_mean, [1.5, 2.25, 3.0]) + 1
    decided = rng.random(candidates) < 0.8
    inputs = CalibrationInputs(
        rating=rating,
        interviewer=rating_interviewer,
        candidate=rating_candidate,
        criterion=criterion,
        question=criterion // CRITERIA_PER_QUESTION,
        session=rating_session,
        loop=rating_candidate,
        card_interviewer=card_interviewer,
        card_loop=session_candidate[card_session],
        card_candidate=session_candidate[card_session],
        card_recommendation=recommendation,
        decision_loop=np.flatnonzero(decided),
        decision_hire=ability[decided] > 0.3,
        interviewer_usernames={k: f"interviewer_{k}" for k in range(INTERVIEWERS)},
        question_meta={q: (f"question-{q}", "mid") for q in range(QUESTIONS)},
    )
    return inputs, severity


def main(sizes: list[int]) -> None:
    # Warm up once on tiny data so imports and BLAS start-up are not billed to the first size.
    build_report(synthetic_inputs(1_000)[0])
    for target in sizes:
        inputs, planted = synthetic_inputs(target)
        started = time.perf_counter()
        report = build_report(inputs)
        elapsed = time.perf_counter() - started

        tracemalloc.start()
        build_report(inputs)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        fitted = {row["id"]: row["severity"] for row in report["interviewers"]}
        recovered = np.array([fitted[k] for k in range(INTERVIEWERS)], dtype=np.float64)
        correlation = float(np.corrcoef(planted, recovered)[0, 1])
        size_mb = len(json.dumps(report, allow_nan=False)) / 1e6
        print(
            f"{inputs.rating.size:>9,} ratings  {inputs.card_interviewer.size:>8,} scorecards  "
            f"build_report {elapsed:6.2f} s  peak traced {peak / 2**20:7.1f} MiB  "
            f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MiB"
            f"  severity r={correlation:.3f}  json {size_mb:.1f} MB"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000])
