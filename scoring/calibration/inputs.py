"""The arrays the calibration statistics read, and the grouping helpers shared by the modules.

Nothing here touches Django: the ORM layer flattens submitted scorecards into these arrays, so the
statistics can be tested and benchmarked on synthetic hiring data alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

RATING_MIN = 0.0
RATING_MAX = 4.0
# The recommendation scale as codes: strong_no 1 ... strong_yes 4; 3 and above means "hire".
# Defined by `Recommendation.score` (scoring/scorecards/models.py), which the loader's SQL uses to
# make these codes; named here too because this package imports nothing of Django.
# tests/scoring/test_recommendation_scale.py fails if the two disagree.
RECOMMENDATION_NAMES: dict[int, str] = {1: "strong_no", 2: "no", 3: "yes", 4: "strong_yes"}
HIRE_RECOMMENDATION_MIN = 3

_RATING_ALIGNED = (
    "rating",
    "interviewer",
    "candidate",
    "criterion",
    "question",
    "session",
    "loop",
    "weight",
    "submitted_day",
)
# Fields that are not numpy arrays of the inputs.
_NOT_ARRAYS = ("interviewer_usernames", "question_meta", "codes", "drift_granularity")
DRIFT_GRANULARITIES = ("quarter", "month")
_CARD_ALIGNED = (
    "card_interviewer",
    "card_loop",
    "card_candidate",
    "card_recommendation",
    "card_amended_after_peer_view",
)
_DECISION_ALIGNED = ("decision_loop", "decision_hire")


@dataclass(frozen=True)
class CalibrationInputs:
    # One entry per criterion rating of a SUBMITTED scorecard; all arrays aligned, int64 ids.
    rating: np.ndarray  # float64, values 0..4
    interviewer: np.ndarray  # user id of the scorecard's author
    candidate: np.ndarray
    criterion: np.ndarray  # rubric criterion id
    question: np.ndarray  # question id the criterion belongs to
    session: np.ndarray  # interview session id
    loop: np.ndarray  # loop id
    # One entry per submitted scorecard, aligned arrays.
    card_interviewer: np.ndarray
    card_loop: np.ndarray
    card_candidate: np.ndarray
    card_recommendation: np.ndarray  # int: strong_no 1, no 2, yes 3, strong_yes 4
    # Final decisions: one entry per decided loop.
    decision_loop: np.ndarray
    decision_hire: np.ndarray  # bool / 0-1
    interviewer_usernames: Mapping[int, str]
    question_meta: Mapping[int, tuple[str, str]]  # question id -> (slug, level slug)
    # Card-aligned: the interviewer amended the card after they could read a peer's (API.md,
    # Calibration, second edition). Omitted: no card was.
    card_amended_after_peer_view: np.ndarray | None = None
    # Per rating: the rubric criterion's weight (> 0; all 1.0 when not given), and the day its
    # scorecard was submitted, in days since 1970-01-01 UTC (all 0 when not given).
    weight: np.ndarray | None = None
    submitted_day: np.ndarray | None = None
    # The period of the drift statistics: calendar "quarter" or "month" of submitted_day.
    drift_granularity: str = "quarter"
    # Dense codes of every id array, computed once here and handed to every statistic.
    codes: EncodedIds = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Coerce once here so every statistic can rely on dtypes (the dataclass is frozen, hence
        # object.__setattr__), then refuse misaligned or out-of-scale arrays early and loudly.
        if self.card_amended_after_peer_view is None:
            object.__setattr__(
                self, "card_amended_after_peer_view", np.zeros(len(self.card_interviewer), bool)
            )
        for item in fields(self):
            if item.name in _NOT_ARRAYS:
                continue
            value = getattr(self, item.name)
            if item.name in ("rating", "weight"):
                dtype: type = np.float64
            elif item.name in ("decision_hire", "card_amended_after_peer_view"):
                dtype = np.bool_
            else:
                dtype = np.int64
            if value is None:  # weight, submitted_day: optional, default per rating
                value = np.full(len(self.rating), 1.0 if item.name == "weight" else 0)
            coerced = np.asarray(value, dtype=dtype)
            if coerced.ndim != 1:
                raise ValueError(f"{item.name} must be one-dimensional, got shape {coerced.shape}")
            object.__setattr__(self, item.name, coerced)
        validate_inputs(self)
        object.__setattr__(self, "codes", EncodedIds.of(self))

    @classmethod
    def from_lists(
        cls,
        *,
        rating: Sequence[float] = (),
        interviewer: Sequence[int] = (),
        candidate: Sequence[int] = (),
        criterion: Sequence[int] = (),
        question: Sequence[int] = (),
        session: Sequence[int] = (),
        loop: Sequence[int] = (),
        card_interviewer: Sequence[int] = (),
        card_loop: Sequence[int] = (),
        card_candidate: Sequence[int] = (),
        card_recommendation: Sequence[int] = (),
        card_amended_after_peer_view: Sequence[bool | int] | None = None,
        decision_loop: Sequence[int] = (),
        decision_hire: Sequence[bool | int] = (),
        interviewer_usernames: Mapping[int, str] | None = None,
        question_meta: Mapping[int, tuple[str, str]] | None = None,
        weight: Sequence[float] | None = None,
        submitted_day: Sequence[int] | None = None,
        drift_granularity: str = "quarter",
    ) -> CalibrationInputs:
        """Build the inputs from plain Python lists (tests, fixtures); every list may be omitted."""
        return cls(
            rating=np.asarray(rating, dtype=np.float64),
            interviewer=np.asarray(interviewer, dtype=np.int64),
            candidate=np.asarray(candidate, dtype=np.int64),
            criterion=np.asarray(criterion, dtype=np.int64),
            question=np.asarray(question, dtype=np.int64),
            session=np.asarray(session, dtype=np.int64),
            loop=np.asarray(loop, dtype=np.int64),
            card_interviewer=np.asarray(card_interviewer, dtype=np.int64),
            card_loop=np.asarray(card_loop, dtype=np.int64),
            card_candidate=np.asarray(card_candidate, dtype=np.int64),
            card_recommendation=np.asarray(card_recommendation, dtype=np.int64),
            card_amended_after_peer_view=(
                None
                if card_amended_after_peer_view is None
                else np.asarray(card_amended_after_peer_view, dtype=np.bool_)
            ),
            decision_loop=np.asarray(decision_loop, dtype=np.int64),
            decision_hire=np.asarray(decision_hire, dtype=np.bool_),
            interviewer_usernames=dict(interviewer_usernames or {}),
            question_meta=dict(question_meta or {}),
            weight=None if weight is None else np.asarray(weight, dtype=np.float64),
            submitted_day=None if submitted_day is None else np.asarray(submitted_day),
            drift_granularity=drift_granularity,
        )


def validate_inputs(inputs: CalibrationInputs) -> None:
    """Raise ValueError when aligned arrays differ in length or values leave their scales."""
    for family in (_RATING_ALIGNED, _CARD_ALIGNED, _DECISION_ALIGNED):
        lengths = {name: len(getattr(inputs, name)) for name in family}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"arrays must be aligned, got lengths {lengths}")
    rating = inputs.rating
    if not np.all(np.isfinite(rating)):
        raise ValueError("every rating must be a finite number")
    if rating.size and (rating.min() < RATING_MIN or rating.max() > RATING_MAX):
        raise ValueError(f"ratings must lie in [{RATING_MIN}, {RATING_MAX}]")
    if inputs.drift_granularity not in DRIFT_GRANULARITIES:
        raise ValueError(f"drift_granularity must be one of {DRIFT_GRANULARITIES}")
    weight = inputs.weight
    if weight.size and not (np.all(np.isfinite(weight)) and weight.min() > 0):
        raise ValueError("every criterion weight must be a finite number above 0")
    recommendation = inputs.card_recommendation
    if recommendation.size and not np.isin(recommendation, list(RECOMMENDATION_NAMES)).all():
        raise ValueError("card_recommendation must use the codes 1 (strong_no) .. 4 (strong_yes)")
    if np.unique(inputs.decision_loop).size != inputs.decision_loop.size:
        raise ValueError("decision_loop must hold one entry per decided loop")


# Ids spanning at most this many slots per entry (or _DENSE_SLOTS_MIN) are ranked through a
# presence table over their range, O(entries + range) without sorting; wider ranges are sorted.
_DENSE_SLOTS_PER_ENTRY = 4
_DENSE_SLOTS_MIN = 1 << 16


def _rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a non-empty int64 array and each entry's rank among them.

    Same result as np.unique(values, return_inverse=True), without its stable sort: database ids
    are mostly dense, so a presence table over [min, max] ranks them in linear time; otherwise an
    unstable sort (ties need no order: equal values get the same rank anyway).
    """
    low, high = int(values.min()), int(values.max())
    span = high - low + 1
    if span <= max(_DENSE_SLOTS_PER_ENTRY * values.size, _DENSE_SLOTS_MIN):
        offset = values - low
        present = np.zeros(span, dtype=bool)
        present[offset] = True
        rank = np.cumsum(present, dtype=np.int64)
        rank -= 1
        return np.flatnonzero(present) + low, rank[offset]
    order = np.argsort(values)
    sorted_values = values[order]
    new = np.empty(values.size, dtype=bool)
    new[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    code = np.empty(values.size, dtype=np.int64)
    code[order] = np.cumsum(new, dtype=np.int64) - 1
    return sorted_values[new], code


def encode_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct ids and, per entry, the dense code 0..n-1 of its id."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if ids.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _rank(ids)


def distinct_ids(*arrays: np.ndarray) -> np.ndarray:
    """Sorted distinct ids over all the arrays (np.union1d of int64 ids, without sorting them)."""
    return encode_ids(np.concatenate([np.asarray(a, dtype=np.int64).reshape(-1) for a in arrays]))[
        0
    ]


def group_rows(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group number of each row for the tuple of codes, and the first row of every group.

    Codes are non-negative ints. The compound key is mixed-radix; it is re-compressed whenever the
    next digit could overflow int64, so any number of columns is safe. Groups are numbered in
    ascending key order (as np.unique numbers them).
    """
    rows = len(codes[0]) if codes else 0
    if rows == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(rows, dtype=np.int64)
    span = 1
    for code in codes:
        width = int(code.max()) + 1
        if span * width >= 2**62:
            _, key = encode_ids(key)
            span = int(key.max()) + 1
        key = key * width + code
        span *= width
    distinct, group = _rank(key)
    # The first row of a group is the smallest row index carrying its key.
    first = np.full(distinct.size, rows, dtype=np.int64)
    np.minimum.at(first, group, np.arange(rows, dtype=np.int64))
    return group, first


def first_recommendation_per_interviewer_loop(
    inputs: CalibrationInputs,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One recommendation per (interviewer, loop): the interviewer's first scorecard in the loop.

    An interviewer may hold several sessions of one loop. Agreement statistics need one value per
    observer and unit, so we keep the first submitted scorecard (the ORM layer passes cards in
    submission order) rather than a mean: a mean would invent half-points (2.5) that are not on the
    recommendation scale and would distort the ordinal metric.
    """
    first = inputs.codes.first_cards
    return (
        inputs.card_interviewer[first],
        inputs.card_loop[first],
        inputs.card_recommendation[first],
    )


def _encode_together(*arrays: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted distinct ids over all the arrays, and each array's codes into them."""
    ids, code = encode_ids(np.concatenate(arrays))
    bounds = np.cumsum([a.size for a in arrays])[:-1]
    return ids, np.split(code, bounds)


@dataclass(frozen=True)
class EncodedIds:
    """Every id array of the inputs as dense codes 0..n-1 into its sorted distinct ids.

    Built once per `CalibrationInputs` (issue 15's benchmark note: the statistics used to
    re-encode the same arrays again and again). Interviewers and candidates are encoded over
    ratings and scorecards together, so one code means one person in both.
    """

    interviewer_ids: np.ndarray
    interviewer: np.ndarray  # per rating
    card_interviewer: np.ndarray  # per scorecard
    candidate_ids: np.ndarray
    candidate: np.ndarray
    card_candidate: np.ndarray
    criterion_ids: np.ndarray
    criterion: np.ndarray
    question_ids: np.ndarray
    question: np.ndarray
    session_ids: np.ndarray
    session: np.ndarray
    # Rows of each (interviewer, loop)'s first scorecard, ascending (cards come in submission
    # order): the one recommendation per observer and loop the agreement statistics use.
    first_cards: np.ndarray

    @classmethod
    def of(cls, inputs: CalibrationInputs) -> EncodedIds:
        interviewer_ids, (interviewer, card_interviewer) = _encode_together(
            inputs.interviewer, inputs.card_interviewer
        )
        candidate_ids, (candidate, card_candidate) = _encode_together(
            inputs.candidate, inputs.card_candidate
        )
        criterion_ids, criterion = encode_ids(inputs.criterion)
        question_ids, question = encode_ids(inputs.question)
        session_ids, session = encode_ids(inputs.session)
        first_cards = np.zeros(0, dtype=np.int64)
        if inputs.card_loop.size:
            _, card_loop = encode_ids(inputs.card_loop)
            _, first_cards = group_rows(card_interviewer, card_loop)
            first_cards.sort()
        return cls(
            interviewer_ids=interviewer_ids,
            interviewer=interviewer,
            card_interviewer=card_interviewer,
            candidate_ids=candidate_ids,
            candidate=candidate,
            card_candidate=card_candidate,
            criterion_ids=criterion_ids,
            criterion=criterion,
            question_ids=question_ids,
            question=question,
            session_ids=session_ids,
            session=session,
            first_cards=first_cards,
        )
