"""How reliable one interviewer's recommendation is, and how many interviewers a loop needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring.calibration.inputs import encode_ids

TARGET_PANEL_RELIABILITY = 0.8


def spearman_brown(r: float, k: float) -> float:
    """Reliability of the mean of k interviewers whose single-interviewer reliability is r.

        r_k = k r / (1 + (k - 1) r)

    Source: Spearman, C. (1910). Correlation calculated from faulty data. British Journal of
    Psychology 3, 271-295; Brown, W. (1910). Some experimental results in the correlation of
    mental abilities. British Journal of Psychology 3, 296-322.
    """
    return k * r / (1.0 + (k - 1.0) * r)


def spearman_brown_inverse(r: float, target: float) -> float:
    """Number of interviewers k (not rounded) whose mean reaches reliability `target`.

    Solving target = k r / (1 + (k - 1) r) for k (Spearman 1910; Brown 1910):

        k = target (1 - r) / (r (1 - target))
    """
    return target * (1.0 - r) / (r * (1.0 - target))


def single_rater_reliability(panel_reliability: float, k: float) -> float:
    """Single-interviewer reliability r implied by the reliability of a k-interviewer mean.

    The other inverse of Spearman-Brown (Spearman 1910; Brown 1910): r = r_k / (k - (k - 1) r_k).
    """
    return panel_reliability / (k - (k - 1.0) * panel_reliability)


def interviewers_needed(r: float | None, target: float = TARGET_PANEL_RELIABILITY) -> int | None:
    """Smallest whole number of interviewers whose mean reaches `target` (Spearman-Brown).

    k = ceil(target (1 - r) / (r (1 - target))), at least 1; None when r is missing or r <= 0
    (adding interviewers cannot create reliability that is not there).
    """
    if r is None or not math.isfinite(r) or r <= 0.0:
        return None
    if r >= target:
        return 1
    # The tolerance stops float noise (9.000000000001) from costing a whole extra interviewer.
    return max(1, math.ceil(spearman_brown_inverse(r, target) - 1e-9))


@dataclass(frozen=True)
class IntraclassCorrelation:
    """ICC(1) of a one-way layout, or None with the reason it cannot be computed."""

    icc: float | None
    groups: int  # groups (loops) with two or more ratings
    ratings: int
    reason: str | None


def icc_one_way(group: np.ndarray, value: np.ndarray) -> IntraclassCorrelation:
    """ICC(1): reliability of a single rating when each target has its own random raters.

    One-way random-effects ANOVA over groups (loops, each rated by its own interviewers):

        ICC(1) = (MSB - MSW) / (MSB + (k0 - 1) MSW)

    with MSB = sum_i n_i (mean_i - mean)^2 / (g - 1), MSW = sum_ij (y_ij - mean_i)^2 / (N - g),
    and, for unequal group sizes, k0 = (N - sum_i n_i^2 / N) / (g - 1).

    Source: Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin 86(2), 420-428 (case 1, ICC(1,1)); k0 for unbalanced
    groups: Snedecor, G. W. & Cochran, W. G. (1989). Statistical Methods, 8th ed. (one-way
    classification with unequal group sizes).
    Groups with a single rating carry no within-group information and are left out.
    """
    value = np.asarray(value, dtype=np.float64)
    if value.size == 0:
        return IntraclassCorrelation(None, 0, 0, "no loop has recommendations")
    _, group_code = encode_ids(np.asarray(group))
    keep = np.bincount(group_code)[group_code] >= 2
    _, group_code = encode_ids(group_code[keep])
    value = value[keep]
    groups, ratings = (int(group_code.max()) + 1 if value.size else 0), int(value.size)
    if groups < 2:
        reason = f"{groups} loop(s) with recommendations from two or more interviewers; need 2"
        return IntraclassCorrelation(None, groups, ratings, reason)
    size = np.bincount(group_code).astype(np.float64)
    group_mean = np.bincount(group_code, weights=value) / size
    grand_mean = value.mean()
    between = float((size * (group_mean - grand_mean) ** 2).sum()) / (groups - 1)
    within = float(((value - group_mean[group_code]) ** 2).sum()) / (ratings - groups)
    k0 = (ratings - float((size**2).sum()) / ratings) / (groups - 1)
    denominator = between + (k0 - 1.0) * within
    if denominator <= 0.0:
        return IntraclassCorrelation(None, groups, ratings, "no variation in recommendations")
    return IntraclassCorrelation((between - within) / denominator, groups, ratings, None)
