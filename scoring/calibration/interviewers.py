"""Per-interviewer rows of the calibration report: volume, spread, severity and flags."""

from __future__ import annotations

import numpy as np

from scoring.calibration.inputs import (
    HIRE_RECOMMENDATION_MIN,
    RECOMMENDATION_NAMES,
    CalibrationInputs,
    first_recommendation_per_interviewer_loop,
)
from scoring.calibration.severity import CONFOUNDED, DISCONNECTED, SeverityFit

# Below this many criterion ratings a severity is too noisy to act on, whatever its SE says.
FEW_RATINGS = 30
# "harsh"/"lenient" needs both statistical (|severity| > 2 SE, about 95% two-sided) and
# practical significance (half a rating point, an eighth of the 0..4 scale).
HARSH_SE_MULTIPLE = 2.0
HARSH_MIN_POINTS = 0.5


def optional_float(value: float) -> float | None:
    """A plain float for JSON, or None for NaN / infinity (JSON has no NaN)."""
    value = float(value)
    return value if np.isfinite(value) else None


def optional_floats(values: np.ndarray) -> list[float | None]:
    """`optional_float` of every entry, in one pass over the array (no Python call per value)."""
    values = np.asarray(values, dtype=np.float64)
    result: list[float | None] = values.tolist()
    for k in np.flatnonzero(~np.isfinite(values)).tolist():
        result[k] = None
    return result


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each id in sorted_ids, and whether it is there at all (index 0 when not)."""
    if sorted_ids.size == 0:
        return np.zeros(ids.size, dtype=np.int64), np.zeros(ids.size, dtype=bool)
    position = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1)
    return position, sorted_ids[position] == ids


def decision_agreement(inputs: CalibrationInputs, interviewer_ids: np.ndarray) -> np.ndarray:
    """Per interviewer: (decided loops, loops where the recommendation matched the decision).

    Share = matches / decided loops, where a recommendation of yes or strong_yes counts as
    "hire" and the interviewer's first scorecard in the loop is theirs (see
    `first_recommendation_per_interviewer_loop`). A simple percentage agreement, not chance-
    corrected: it answers "how often did the panel outcome follow this interviewer's call".
    Source: the observed proportion of agreement p_o of Cohen, J. (1960). A coefficient of
    agreement for nominal scales. Educational and Psychological Measurement 20(1), 37-46.
    """
    interviewer, loop, recommendation = first_recommendation_per_interviewer_loop(inputs)
    order = np.argsort(inputs.decision_loop)
    decision_position, decided = _positions(inputs.decision_loop[order], loop)
    hire = np.zeros(loop.size, dtype=bool)
    hire[decided] = inputs.decision_hire[order][decision_position[decided]]
    matched = decided & ((recommendation >= HIRE_RECOMMENDATION_MIN) == hire)
    code, _ = _positions(interviewer_ids, interviewer)
    size = interviewer_ids.size
    return np.stack(
        [
            np.bincount(code[decided], minlength=size),
            np.bincount(code[matched], minlength=size),
        ]
    )


def interviewer_flags(status: str, ratings: int, severity: float, severity_se: float) -> list[str]:
    """Flags for one interviewer, in a stable order."""
    flags = []
    if status == DISCONNECTED:
        flags.append("disconnected")
    elif status == CONFOUNDED:
        flags.append("confounded")
    if ratings < FEW_RATINGS:
        flags.append("few_ratings")
    distinct = (
        np.isfinite(severity)
        and np.isfinite(severity_se)
        and abs(severity) > HARSH_MIN_POINTS
        and abs(severity) > HARSH_SE_MULTIPLE * severity_se
    )
    if distinct:
        flags.append("harsh" if severity > 0 else "lenient")
    return flags


def interviewer_rows(inputs: CalibrationInputs, fit: SeverityFit) -> list[dict[str, object]]:
    """One row per interviewer with ratings or scorecards, sorted by id.

    mean_rating is the plain mean of their criterion ratings and sd_rating the sample standard
    deviation sqrt(sum (x - mean)^2 / (n - 1)) (Bessel's correction; None below 2 ratings).
    Severity, its SE and the status behind the flags come from `fit_severity_model`.
    amended_after_peer_view counts their scorecards amended after they could read a peer's (the
    statistics themselves read each scorecard's first submission).
    """
    codes = inputs.codes
    ids = codes.interviewer_ids
    size = ids.size
    rating_code, card_code = codes.interviewer, codes.card_interviewer
    ratings = np.bincount(rating_code, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(rating_code, weights=inputs.rating, minlength=size) / ratings
        spread = np.bincount(
            rating_code, weights=(inputs.rating - mean[rating_code]) ** 2, minlength=size
        )
        sd = np.where(ratings >= 2, np.sqrt(spread / (ratings - 1)), np.nan)  # sample SD
    scorecards = np.bincount(card_code, minlength=size)
    amended_after_peer_view = np.bincount(
        card_code, weights=inputs.card_amended_after_peer_view, minlength=size
    )
    recommendation_counts = np.bincount(
        card_code * 4 + (inputs.card_recommendation - 1), minlength=4 * size
    ).reshape(size, 4)
    decided, matched = decision_agreement(inputs, ids)
    fit_position, fitted = _positions(fit.interviewer_ids, ids)
    severity = np.full(size, np.nan)
    severity[fitted] = fit.severity[fit_position[fitted]]
    severity_se = np.full(size, np.nan)
    severity_se[fitted] = fit.severity_se[fit_position[fitted]]

    rows: list[dict[str, object]] = []
    for k, interviewer_id in enumerate(ids.tolist()):
        status = str(fit.interviewer_status[fit_position[k]]) if fitted[k] else DISCONNECTED
        rows.append(
            {
                "id": interviewer_id,
                "username": inputs.interviewer_usernames.get(interviewer_id),
                "scorecards": int(scorecards[k]),
                "ratings": int(ratings[k]),
                "mean_rating": optional_float(mean[k]),
                "sd_rating": optional_float(sd[k]),
                "severity": optional_float(severity[k]),
                "severity_se": optional_float(severity_se[k]),
                "recommendation_counts": {
                    name: int(recommendation_counts[k, code - 1])
                    for code, name in RECOMMENDATION_NAMES.items()
                },
                "decided_loops": int(decided[k]),
                "decision_agreement": (float(matched[k] / decided[k]) if decided[k] > 0 else None),
                "flags": interviewer_flags(status, int(ratings[k]), severity[k], severity_se[k]),
                "amended_after_peer_view": int(amended_after_peer_view[k]),
            }
        )
    return rows
