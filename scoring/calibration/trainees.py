"""How trainees' shadow scorecards compare with the qualified panel of the same sessions
(pure Python; the report's `result.trainees`).

A question score is a scorecard's criterion-weighted mean rating of one question, from its first
submission (as everywhere in the report). For every shadow question score whose session has at
least one qualified (non-shadow) question score for the same question, the difference

    d = trainee's question score - mean of the qualified panel's question scores there

is one comparison. Per trainee:
  - severity  = mean of d (negative: harsher than the panel, positive: more lenient), in rating
                points;
  - agreement = share of comparisons with |d| <= 1 (adjacent agreement: within one rating point
                of the panel's mean; 1.0 is full agreement);
  - sessions  = how many sessions the comparisons come from, `comparisons` how many question
                scores.
A trainee with no comparable question score yet has severity and agreement null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ADJACENT = 1.0


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One criterion rating of a submitted scorecard (its first submission)."""

    scorecard: int
    interviewer: int
    session: int
    question: int
    rating: float
    weight: float
    shadow: bool


def question_scores(
    rows: Iterable[RatingRow],
) -> dict[tuple[int, int], tuple[int, int, bool, float]]:
    """{(scorecard, question): (interviewer, session, shadow, weighted mean rating)}."""
    sums: dict[tuple[int, int], list] = {}
    for row in rows:
        entry = sums.setdefault(
            (row.scorecard, row.question), [row.interviewer, row.session, row.shadow, 0.0, 0.0]
        )
        entry[3] += row.weight * row.rating
        entry[4] += row.weight
    return {
        key: (interviewer, session, shadow, total / weights)
        for key, (interviewer, session, shadow, total, weights) in sums.items()
        if weights > 0
    }


def trainee_calibration(rows: Iterable[RatingRow], usernames: Mapping[int, str]) -> list[dict]:
    """Severity and agreement of each trainee against the qualified panel (module docstring),
    sorted by username."""
    scores = question_scores(rows)
    panel: defaultdict[tuple[int, int], list[float]] = defaultdict(list)
    for (_, question), (_, session, shadow, score) in scores.items():
        if not shadow:
            panel[(session, question)].append(score)
    differences: defaultdict[int, list[float]] = defaultdict(list)
    sessions: defaultdict[int, set[int]] = defaultdict(set)
    trainees: set[int] = set()
    for (_, question), (interviewer, session, shadow, score) in scores.items():
        if not shadow:
            continue
        trainees.add(interviewer)
        qualified = panel.get((session, question))
        if qualified:
            differences[interviewer].append(score - sum(qualified) / len(qualified))
            sessions[interviewer].add(session)
    result = []
    for trainee in trainees:
        diffs = differences[trainee]
        result.append(
            {
                "interviewer": trainee,
                "username": usernames.get(trainee, str(trainee)),
                "sessions": len(sessions[trainee]),
                "comparisons": len(diffs),
                "severity": sum(diffs) / len(diffs) if diffs else None,
                "agreement": sum(abs(d) <= ADJACENT for d in diffs) / len(diffs) if diffs else None,
            }
        )
    return sorted(result, key=lambda r: (r["username"], r["interviewer"]))
