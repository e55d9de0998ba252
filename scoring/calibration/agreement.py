"""Agreement between interviewers: Krippendorff's alpha over units rated by 2+ interviewers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scoring.calibration.inputs import encode_ids, group_rows

LevelOfMeasurement = Literal["nominal", "ordinal", "interval", "ratio"]


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha, or None with the reason it cannot be computed."""

    alpha: float | None
    units: int  # pairable units: rated by two or more interviewers
    reason: str | None


def reliability_value_counts(
    unit: np.ndarray, interviewer: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Units x values table of how many interviewers gave each value to each pairable unit.

    Input is long form: one row per (unit, interviewer, value). Krippendorff's alpha needs one
    value per interviewer and unit, so a repeated (unit, interviewer) keeps its first row. Units
    rated by a single interviewer are dropped: they contribute no pairs to the coincidence matrix
    (Krippendorff 2011, step 2), and dropping them keeps the table small.

    The table (units x distinct values, a handful of columns) replaces the interviewers x units
    reliability matrix, which with thousands of interviewers and 100k+ units would be a dense
    matrix of hundreds of millions of mostly-missing cells.

    Returns (value_counts int64 of shape (units, values), value_domain float64 sorted).
    """
    unit = np.asarray(unit)
    if unit.size == 0:
        return np.zeros((0, 0), dtype=np.int64), np.zeros(0, dtype=np.float64)
    _, unit_code = encode_ids(unit)
    _, interviewer_code = encode_ids(np.asarray(interviewer))
    _, first = group_rows(unit_code, interviewer_code)
    kept_unit = unit_code[first]
    kept_value = np.asarray(value, dtype=np.float64)[first]
    pairable = np.bincount(kept_unit)[kept_unit] >= 2
    if not pairable.any():
        return np.zeros((0, 0), dtype=np.int64), np.zeros(0, dtype=np.float64)
    _, pairable_unit = encode_ids(kept_unit[pairable])
    pairable_value = kept_value[pairable]
    # A handful of distinct values: find them without the inverse (no sort of every rating).
    value_domain = np.unique(pairable_value)
    value_code = np.searchsorted(value_domain, pairable_value)
    units, values = int(pairable_unit.max()) + 1, value_domain.size
    flat = np.bincount(pairable_unit * values + value_code, minlength=units * values)
    return flat.reshape(units, values).astype(np.int64), value_domain.astype(np.float64)


def coincidences(value_counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck of a units x values table of pairable units:

        o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1),   m_u = sum_c n_uc

    (Krippendorff 2011, step 2), as one (values x units) @ (units x values) product: O(units x
    values^2) in BLAS, without the units x values x values arrays of the `krippendorff` package.
    """
    counts = np.asarray(value_counts, dtype=np.float64)
    weight = 1.0 / (counts.sum(axis=1) - 1.0)  # every unit is pairable: m_u >= 2
    weighted = counts * weight[:, None]
    return weighted.T @ counts - np.diag(weighted.sum(axis=0))


def squared_distances(
    value_domain: np.ndarray, marginals: np.ndarray, level: LevelOfMeasurement
) -> np.ndarray:
    """delta^2_ck of Krippendorff (2011), section "distance metrics": nominal [c != k];
    ordinal (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 over the pairable values' counts n_g;
    interval (c - k)^2; ratio ((c - k) / (c + k))^2."""
    c, k = value_domain[:, None], value_domain[None, :]
    if level == "nominal":
        return (c != k).astype(np.float64)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total != 0, (c - k) / total, 0.0) ** 2
    cumulative = np.concatenate([[0.0], np.cumsum(marginals)])
    low = np.minimum(np.arange(marginals.size)[:, None], np.arange(marginals.size)[None, :])
    high = np.maximum(np.arange(marginals.size)[:, None], np.arange(marginals.size)[None, :])
    between = cumulative[high + 1] - cumulative[low]
    return (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2


def alpha_from_coincidences(
    coincidence: np.ndarray, value_domain: np.ndarray, level: LevelOfMeasurement
) -> float:
    """alpha = 1 - (n - 1) sum_ck o_ck delta^2_ck / sum_ck n_c n_k delta^2_ck; NaN if D_e = 0."""
    marginals = coincidence.sum(axis=0)
    total = marginals.sum()
    distance = squared_distances(value_domain, marginals, level)
    expected = float(marginals @ distance @ marginals)
    if expected == 0.0:
        return float("nan")
    return float(1.0 - (total - 1.0) * float((coincidence * distance).sum()) / expected)


def krippendorff_alphas(
    unit: np.ndarray,
    interviewer: np.ndarray,
    value: np.ndarray,
    levels: Sequence[LevelOfMeasurement],
) -> dict[str, AlphaResult]:
    """Krippendorff's alpha at several levels of measurement, sharing one value-counts table.

    alpha = 1 - D_o / D_e. With o_ck the coincidence matrix (pairs of values c, k given to the
    same unit, each unit's pairs weighted 1/(m_u - 1) for its m_u values), n_c = sum_k o_ck,
    n = sum_c n_c and delta^2_ck the level's distance metric:

        alpha = 1 - (n - 1) * sum_ck o_ck delta^2_ck / sum_ck n_c n_k delta^2_ck

    Source: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
    for Communication, University of Pennsylvania; Hayes, A. F. & Krippendorff, K. (2007).
    Answering the call for a standard reliability measure for coding data. Communication Methods
    and Measures 1(1), 77-89. Computed here from one coincidence matrix shared by every level
    (`coincidences`, `alpha_from_coincidences`): the `krippendorff` package gives the same
    values (tests/scoring/test_calibration_statistics.py compares them) but builds units x
    values x values arrays once per level, ~0.4 s of CPU at 10^6 ratings (issue 15's benchmark).

    Each result is None with a reason when fewer than 2 units were rated by 2+ interviewers or
    when the paired values show no variation (D_e = 0, alpha undefined).
    """
    value_counts, value_domain = reliability_value_counts(unit, interviewer, value)
    units = int(value_counts.shape[0])
    if units < 2:
        reason = f"{units} unit(s) rated by two or more interviewers; need 2"
        return {level: AlphaResult(None, units, reason) for level in levels}
    if value_domain.size < 2:
        reason = "no variation: every paired value is the same"
        return {level: AlphaResult(None, units, reason) for level in levels}
    coincidence = coincidences(value_counts)  # shared by every level
    results: dict[str, AlphaResult] = {}
    for level in levels:
        alpha = alpha_from_coincidences(coincidence, value_domain, level)
        results[level] = (
            AlphaResult(alpha, units, None)
            if np.isfinite(alpha)
            else AlphaResult(None, units, "alpha is undefined for these values")
        )
    return results


def krippendorff_alpha(
    unit: np.ndarray,
    interviewer: np.ndarray,
    value: np.ndarray,
    level_of_measurement: LevelOfMeasurement,
) -> AlphaResult:
    """Krippendorff's alpha of long-form ratings at one level; see `krippendorff_alphas`."""
    return krippendorff_alphas(unit, interviewer, value, [level_of_measurement])[
        level_of_measurement
    ]


def alpha_from_reliability_matrix(
    matrix: np.ndarray, level_of_measurement: LevelOfMeasurement
) -> AlphaResult:
    """Krippendorff's alpha of an interviewers x units matrix with NaN for missing ratings.

    Same statistic as `krippendorff_alphas` (Krippendorff 2011); this entry point takes the
    textbook layout, which is convenient for small published examples.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    interviewer, unit = np.nonzero(~np.isnan(matrix))
    return krippendorff_alpha(unit, interviewer, matrix[interviewer, unit], level_of_measurement)
