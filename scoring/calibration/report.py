"""The calibration report: every statistic assembled into one JSON-serialisable dict."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scoring.calibration.agreement import AlphaResult, LevelOfMeasurement, krippendorff_alphas
from scoring.calibration.inputs import (
    CalibrationInputs,
    distinct_ids,
    encode_ids,
    first_recommendation_per_interviewer_loop,
    group_rows,
)
from scoring.calibration.interviewers import interviewer_rows, optional_float
from scoring.calibration.questions import question_statistics
from scoring.calibration.reliability import (
    TARGET_PANEL_RELIABILITY,
    icc_one_way,
    interviewers_needed,
)
from scoring.calibration.severity import FITTED, SeverityFit, fit_severity_model

RELIABILITY_METHOD = (
    "ICC(1) of overall recommendations (1-4), one-way random-effects ANOVA over loops rated by "
    "two or more interviewers, one recommendation per interviewer and loop (their first "
    "scorecard); Shrout & Fleiss (1979), unequal loop sizes via k0 (Snedecor & Cochran 1989). "
    "Interviewers for 0.8 by Spearman-Brown (Spearman 1910; Brown 1910)."
)


def _alpha_fields(prefix: str, result: AlphaResult) -> dict[str, object]:
    # AlphaResult already holds a plain finite float or None with its reason.
    return {prefix: result.alpha, f"{prefix}_reason": result.reason}


def _summary(inputs: CalibrationInputs) -> dict[str, int]:
    """Counts; a session is multi-rated when two or more interviewers rated criteria in it."""
    # Two or more distinct interviewers in a session <=> its smallest and largest id differ.
    _, session_code = encode_ids(inputs.session)
    sessions = int(session_code.max()) + 1 if session_code.size else 0
    lowest = np.full(sessions, np.iinfo(np.int64).max)
    np.minimum.at(lowest, session_code, inputs.interviewer)
    highest = np.full(sessions, np.iinfo(np.int64).min)
    np.maximum.at(highest, session_code, inputs.interviewer)
    return {
        "scorecards": int(inputs.card_interviewer.size),
        "ratings": int(inputs.rating.size),
        "interviewers": int(distinct_ids(inputs.interviewer, inputs.card_interviewer).size),
        "candidates": int(distinct_ids(inputs.candidate, inputs.card_candidate).size),
        "sessions_multi_rated": int((lowest != highest).sum()),
    }


def _agreement(inputs: CalibrationInputs) -> dict[str, object]:
    """Krippendorff's alpha of criterion ratings (units: session x criterion) and of overall
    recommendations (units: loops, one recommendation per interviewer: their first scorecard)."""
    _, session_code = encode_ids(inputs.session)
    _, criterion_code = encode_ids(inputs.criterion)
    unit, _ = group_rows(session_code, criterion_code)
    levels: list[LevelOfMeasurement] = ["ordinal", "interval"]
    criterion = krippendorff_alphas(unit, inputs.interviewer, inputs.rating, levels)
    interviewer, loop, recommendation = first_recommendation_per_interviewer_loop(inputs)
    overall = krippendorff_alphas(loop, interviewer, recommendation, levels)
    return {
        **_alpha_fields("criterion_alpha_ordinal", criterion["ordinal"]),
        **_alpha_fields("criterion_alpha_interval", criterion["interval"]),
        "criterion_units": criterion["ordinal"].units,
        **_alpha_fields("recommendation_alpha_ordinal", overall["ordinal"]),
        **_alpha_fields("recommendation_alpha_interval", overall["interval"]),
        "recommendation_units": overall["ordinal"].units,
    }


def _reliability(inputs: CalibrationInputs) -> dict[str, object]:
    _, loop, recommendation = first_recommendation_per_interviewer_loop(inputs)
    icc = icc_one_way(loop, recommendation.astype(np.float64))
    single = optional_float(icc.icc) if icc.icc is not None else None
    needed = interviewers_needed(single, TARGET_PANEL_RELIABILITY)
    needed_reason = None
    if needed is None:
        needed_reason = (
            "single-interviewer reliability is unknown"
            if single is None
            else "single-interviewer reliability is not positive; more interviewers cannot help"
        )
    return {
        "recommendation_single_rater": single,
        "recommendation_single_rater_reason": icc.reason,
        "interviewers_for_0_8": needed,
        "interviewers_for_0_8_reason": needed_reason,
        "loops": icc.groups,
        "method": RELIABILITY_METHOD,
    }


def _questions(inputs: CalibrationInputs, fit: SeverityFit) -> list[dict[str, object]]:
    statistics = question_statistics(
        inputs.question,
        inputs.candidate,
        inputs.criterion,
        inputs.rating,
        fit.adjusted_rating,
        fit.criterion_ids,
        fit.easiness,
    )
    rows: list[dict[str, object]] = []
    for k, question_id in enumerate(statistics.question_ids.tolist()):
        slug, level = inputs.question_meta.get(question_id, (None, None))
        rows.append(
            {
                "id": question_id,
                "slug": slug,
                "level": level,
                "ratings": int(statistics.ratings[k]),
                "mean_rating": optional_float(statistics.mean_rating[k]),
                "easiness": optional_float(statistics.easiness[k]),
                "discrimination": optional_float(statistics.discrimination[k]),
                "discrimination_candidates": int(statistics.discrimination_candidates[k]),
            }
        )
    return rows


def _candidates(inputs: CalibrationInputs, fit: SeverityFit) -> list[dict[str, object]]:
    """Candidates with ratings or scorecards; raw and severity-adjusted mean criterion rating."""
    ids = distinct_ids(inputs.candidate, inputs.card_candidate)
    code = np.searchsorted(ids, inputs.candidate)
    ratings = np.bincount(code, minlength=ids.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_mean = np.bincount(code, weights=inputs.rating, minlength=ids.size) / ratings
    adjusted = np.full(ids.size, np.nan)
    adjusted[np.searchsorted(ids, fit.candidate_ids)] = fit.adjusted_score
    return [
        {
            "id": candidate_id,
            "ratings": int(count),
            "raw_mean": optional_float(raw),
            "adjusted_score": optional_float(score),
        }
        for candidate_id, count, raw, score in zip(
            ids.tolist(), ratings.tolist(), raw_mean.tolist(), adjusted.tolist(), strict=True
        )
    ]


def _model(fit: SeverityFit) -> dict[str, object]:
    sigma2 = fit.residual_variance
    return {
        "fitted_ratings": int(fit.in_model.sum()),
        "fitted_interviewers": int((fit.interviewer_status == FITTED).sum()),
        "fitted_candidates": int(np.isfinite(fit.adjusted_score).sum()),
        "parameters": fit.parameters,
        "residual_df": fit.residual_df,
        "residual_sd": optional_float(np.sqrt(sigma2)) if sigma2 is not None else None,
    }


def build_report(
    inputs: CalibrationInputs, progress: Callable[[int], None] | None = None
) -> dict[str, object]:
    """The calibration report as plain JSON types (no numpy scalars, no NaN: None instead).

    `progress`, when given, is called with the percentage done (0..100) between stages.
    """

    def notify(percent: int) -> None:
        if progress is not None:
            progress(percent)

    notify(0)
    fit = fit_severity_model(inputs.rating, inputs.interviewer, inputs.candidate, inputs.criterion)
    notify(40)
    questions = _questions(inputs, fit)
    notify(55)
    agreement = _agreement(inputs)
    notify(75)
    reliability = _reliability(inputs)
    interviewers = interviewer_rows(inputs, fit)
    notify(90)
    report: dict[str, object] = {
        "summary": _summary(inputs),
        "interviewers": interviewers,
        "questions": questions,
        "candidates": _candidates(inputs, fit),
        "agreement": agreement,
        "reliability": reliability,
        "model": _model(fit),
    }
    notify(100)
    return report
