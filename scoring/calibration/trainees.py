"""How trainees' shadow scorecards compare with the qualified panel of the same sessions
(pure numpy; the report's `result.trainees`).

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

The inputs are flat arrays (`TraineeInputs`, one entry per rating and per scorecard, as
`CalibrationInputs`); the statistic groups them with bincount over dense codes: question scores
per (scorecard, question), panel means per (session, question), sums per trainee. Every sum adds
its terms in the order the ratings come (question scores in the order of their first rating), as
a one-pass reading of the rows does: the floats are the same to the last bit as a plain Python
loop's over the same rows (tests/scoring/trainee_reference.py). A d of one point in exact
arithmetic is adjacent even when floats make it a few ulps more (7/3 - 4/3 is
1.0000000000000002): `ADJACENT_TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from scoring.calibration.inputs import encode_ids, group_rows

ADJACENT = 1.0
# Question scores are means of 0..4 ratings: a difference that is exactly one point can come out
# a few ulps above 1 (7/3 - 4/3 = 1.0000000000000002) and must still count as adjacent.
ADJACENT_TOLERANCE = 1e-9

_RATING_ALIGNED = ("card", "question", "rating", "weight")
_CARD_ALIGNED = ("card_interviewer", "card_session", "card_shadow")


@dataclass(frozen=True)
class TraineeInputs:
    """The first-submission criterion ratings of every submitted scorecard that takes part in
    the comparison: the shadow scorecards in scope and the qualified scorecards of their
    sessions. Rating-aligned arrays, then scorecard-aligned ones (`card` indexes them)."""

    card: np.ndarray  # per rating: row of its scorecard in the card arrays
    question: np.ndarray  # per rating: question id of the rated criterion
    rating: np.ndarray  # float64, 0..4
    weight: np.ndarray  # float64, the criterion's weight (> 0)
    card_interviewer: np.ndarray  # per scorecard: its author (the trainee for a shadow one)
    card_session: np.ndarray
    card_shadow: np.ndarray  # bool
    usernames: Mapping[int, str] = field(default_factory=dict)  # of the trainees at least

    def __post_init__(self) -> None:
        for item in fields(self):
            if item.name == "usernames":
                continue
            if item.name in ("rating", "weight"):
                dtype: type = np.float64
            elif item.name == "card_shadow":
                dtype = np.bool_
            else:
                dtype = np.int64
            value = np.asarray(getattr(self, item.name), dtype=dtype).reshape(-1)
            object.__setattr__(self, item.name, value)
        for family in (_RATING_ALIGNED, _CARD_ALIGNED):
            lengths = {name: len(getattr(self, name)) for name in family}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"arrays must be aligned, got lengths {lengths}")
        if self.card.size and (self.card.min() < 0 or self.card.max() >= self.card_shadow.size):
            raise ValueError("card must index the scorecard arrays")

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[int, int, int, int, float, float, bool]],
        usernames: Mapping[int, str] | None = None,
    ) -> TraineeInputs:
        """From one tuple per rating (tests, fixtures): (scorecard id, interviewer, session,
        question, rating, weight, shadow); a scorecard's interviewer, session and shadow are
        taken from its first row."""
        rows = list(rows)
        table = np.asarray([row[:4] for row in rows], dtype=np.int64).reshape(-1, 4)
        card_ids, card = encode_ids(table[:, 0])
        first = np.full(card_ids.size, len(rows), dtype=np.int64)
        np.minimum.at(first, card, np.arange(len(rows), dtype=np.int64))
        shadow = np.asarray([bool(row[6]) for row in rows], dtype=np.bool_)
        return cls(
            card=card,
            question=table[:, 3],
            rating=np.asarray([row[4] for row in rows], dtype=np.float64),
            weight=np.asarray([row[5] for row in rows], dtype=np.float64),
            card_interviewer=table[first, 1],
            card_session=table[first, 2],
            card_shadow=shadow[first],
            usernames=dict(usernames or {}),
        )


def trainee_calibration(inputs: TraineeInputs) -> list[dict]:
    """Severity and agreement of each trainee against the qualified panel (module docstring),
    sorted by username (then id)."""
    if inputs.rating.size == 0:
        return []
    # Question scores: one per (scorecard, question), the weighted mean of its ratings.
    _, question = encode_ids(inputs.question)
    score_of, first_rating = group_rows(inputs.card, question)
    weights = np.bincount(score_of, weights=inputs.weight, minlength=first_rating.size)
    totals = np.bincount(
        score_of, weights=inputs.weight * inputs.rating, minlength=first_rating.size
    )
    # The scores with a weight, in the order of their first rating (see the module docstring).
    weighted = np.flatnonzero(weights > 0)
    weighted = weighted[np.argsort(first_rating[weighted])]
    score = totals[weighted] / weights[weighted]
    card = inputs.card[first_rating[weighted]]
    question = question[first_rating[weighted]]
    shadow = inputs.card_shadow[card]
    # The panel: qualified question scores per (session, question).
    _, session = encode_ids(inputs.card_session[card])
    cell, _ = group_rows(session, question)
    panel = ~shadow
    panel_count = np.bincount(cell[panel], minlength=cell.size)
    panel_total = np.bincount(cell[panel], weights=score[panel], minlength=cell.size)
    # Every trainee with a question score is listed; compared ones get statistics.
    trainee_ids, trainee = encode_ids(inputs.card_interviewer[card[shadow]])
    shadow_cell = cell[shadow]
    compared = panel_count[shadow_cell] > 0
    trainee = trainee[compared]
    difference = score[shadow][compared] - (
        panel_total[shadow_cell[compared]] / panel_count[shadow_cell[compared]]
    )
    trainees = trainee_ids.size
    comparisons = np.bincount(trainee, minlength=trainees)
    severity_total = np.bincount(trainee, weights=difference, minlength=trainees)
    adjacent = np.abs(difference) <= ADJACENT + ADJACENT_TOLERANCE
    adjacent_count = np.bincount(trainee, weights=adjacent.astype(np.float64), minlength=trainees)
    _, first_session = group_rows(trainee, session[shadow][compared])
    sessions = np.bincount(trainee[first_session], minlength=trainees)
    rows = []
    for index, interviewer in enumerate(trainee_ids.tolist()):
        count = int(comparisons[index])
        rows.append(
            {
                "interviewer": interviewer,
                "username": inputs.usernames.get(interviewer, str(interviewer)),
                "sessions": int(sessions[index]),
                "comparisons": count,
                "severity": float(severity_total[index] / count) if count else None,
                "agreement": float(adjacent_count[index] / count) if count else None,
            }
        )
    return sorted(rows, key=lambda r: (r["username"], r["interviewer"]))
