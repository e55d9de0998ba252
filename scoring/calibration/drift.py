"""Interviewer drift: each interviewer's severity per calendar quarter (or month).

Leckie, G. & Baird, J.-A. (2011). Rater effects on essay scoring: a multilevel analysis of
severity drift, central tendency, and rater experience. Journal of Educational Measurement
48(4), 399-418: individual severity moves over time even without a systematic trend, so one
severity per interviewer hides who changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.calibration.inputs import DRIFT_GRANULARITIES, group_rows
from scoring.calibration.severity import FITTED, SeverityFit

# A period's severity "moved" when it differs from the interviewer's own overall severity by
# more than this many of its standard errors.
DRIFT_SE_MULTIPLE = 2.0


def period_labels(submitted_day: np.ndarray, granularity: str) -> tuple[list[str], np.ndarray]:
    """Sorted period labels ("2026-Q3" or "2026-11") and each rating's code into them.

    `submitted_day` counts days since 1970-01-01 (UTC).
    """
    if granularity not in DRIFT_GRANULARITIES:
        raise ValueError(f"granularity must be one of {DRIFT_GRANULARITIES}, got {granularity!r}")
    month = np.asarray(submitted_day, dtype="datetime64[D]").astype("datetime64[M]")
    month_index = month.astype(np.int64)  # months since 1970-01
    period = month_index // 3 if granularity == "quarter" else month_index
    ids, code = np.unique(period, return_inverse=True)
    if granularity == "quarter":
        labels = [f"{1970 + int(q) // 4}-Q{int(q) % 4 + 1}" for q in ids]
    else:
        labels = [f"{1970 + int(m) // 12}-{int(m) % 12 + 1:02d}" for m in ids]
    return labels, code.reshape(-1)


@dataclass(frozen=True)
class InterviewerDrift:
    """Cells of (interviewer code, period code) with their severity, SE, move and ratings."""

    interviewer: np.ndarray  # code into the fit's interviewer_ids
    period: np.ndarray  # code into the period labels
    severity: np.ndarray  # overall severity + the period's own deviation, rating points
    severity_se: np.ndarray
    move: np.ndarray  # severity in the period minus the interviewer's overall severity
    move_se: np.ndarray
    ratings: np.ndarray
    drifting: np.ndarray  # per interviewer code: some period moved by > 2 SE


def interviewer_drift(
    fit: SeverityFit, interviewer_code: np.ndarray, period_code: np.ndarray
) -> InterviewerDrift:
    """Severity per interviewer and period from interviewer x period terms on the severity fit.

    The model of `fit_severity_model` gains an interviewer x period interaction d[i, p]:

        rating = mu + a[candidate] + e[criterion] - s[interviewer] - d[interviewer, period] + error

    fitted by least squares with the main effects held at their estimates (one backfitting step,
    Hastie & Tibshirani 1990, Generalized Additive Models, ch. 4): d[i, p] = -(mean residual of
    the main fit over the interviewer's ratings in period p). The main fit's residuals already sum
    to zero over each interviewer (normal equations), so the d of one interviewer average to zero
    over their ratings: d is the period's move from the interviewer's overall severity. Its
    standard error is sigma / sqrt(n_ip) (sigma^2 the main fit's residual variance), which
    leaves out the small uncertainty of the main effects; the period's severity s + d has
    SE sqrt(se(s)^2 + sigma^2 / n_ip). An interviewer is drifting when, with two or more
    periods, some |d[i, p]| > 2 SE.

    Why not a joint fit with interviewer x period columns: with ~600 interviewers over five
    quarters the absorbed normal matrix grows from ~900 to ~3,300 rows and its
    eigendecomposition from ~1 s to past the report's 10 s budget on the 2-core hosts.
    """
    sigma2 = fit.residual_variance
    fitted_interviewer = fit.interviewer_status == FITTED
    usable = fit.in_model & fitted_interviewer[interviewer_code] & np.isfinite(fit.residual)
    empty_int = np.zeros(0, dtype=np.int64)
    if sigma2 is None or not usable.any():
        empty = np.zeros(0)
        drifting = np.zeros(fit.interviewer_ids.size, dtype=bool)
        return InterviewerDrift(
            empty_int, empty_int, empty, empty, empty, empty, empty_int, drifting
        )
    interviewer, period = interviewer_code[usable], period_code[usable]
    cell, first = group_rows(interviewer, period)
    ratings = np.bincount(cell)
    move = -np.bincount(cell, weights=fit.residual[usable]) / ratings
    move_se = np.sqrt(sigma2 / ratings)
    cell_interviewer, cell_period = interviewer[first], period[first]
    overall = fit.severity[cell_interviewer]
    severity_se = np.sqrt(fit.severity_se[cell_interviewer] ** 2 + move_se**2)
    periods = np.bincount(cell_interviewer, minlength=fit.interviewer_ids.size)
    moved = (np.abs(move) > DRIFT_SE_MULTIPLE * move_se) & (periods[cell_interviewer] >= 2)
    drifting = np.bincount(cell_interviewer[moved], minlength=fit.interviewer_ids.size) > 0
    return InterviewerDrift(
        cell_interviewer,
        cell_period,
        overall + move,
        severity_se,
        move,
        move_se,
        ratings.astype(np.int64),
        drifting,
    )
