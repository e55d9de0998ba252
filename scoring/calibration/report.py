"""The calibration report: every statistic assembled into one JSON-serialisable dict."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from scoring.calibration.agreement import AlphaResult, LevelOfMeasurement, krippendorff_alphas
from scoring.calibration.drift import interviewer_drift, period_labels
from scoring.calibration.inputs import (
    CalibrationInputs,
    first_recommendation_per_interviewer_loop,
    group_rows,
)
from scoring.calibration.interviewers import interviewer_rows, optional_float, optional_floats
from scoring.calibration.questions import question_statistics_encoded
from scoring.calibration.reliability import (
    TARGET_PANEL_RELIABILITY,
    icc_one_way,
    interviewers_needed,
)
from scoring.calibration.severity import FITTED, SeverityFit, fit_severity_model_encoded
from scoring.calibration.variance import (
    METHOD_HENDERSON_1,
    RESIDUAL,
    decision_advice,
    decision_study,
    henderson_one,
    loop_components,
)

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
    codes = inputs.codes
    sessions = codes.session_ids.size
    lowest = np.full(sessions, np.iinfo(np.int64).max)
    np.minimum.at(lowest, codes.session, codes.interviewer)
    highest = np.full(sessions, np.iinfo(np.int64).min)
    np.maximum.at(highest, codes.session, codes.interviewer)
    return {
        "scorecards": int(inputs.card_interviewer.size),
        "ratings": int(inputs.rating.size),
        "interviewers": int(codes.interviewer_ids.size),
        "candidates": int(codes.candidate_ids.size),
        "sessions_multi_rated": int((lowest != highest).sum()),
    }


def _agreement(inputs: CalibrationInputs) -> dict[str, object]:
    """Krippendorff's alpha of criterion ratings (units: session x criterion) and of overall
    recommendations (units: loops, one recommendation per interviewer: their first scorecard)."""
    codes = inputs.codes
    unit, _ = group_rows(codes.session, codes.criterion)
    levels: list[LevelOfMeasurement] = ["ordinal", "interval"]
    criterion = krippendorff_alphas(unit, codes.interviewer, inputs.rating, levels)
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
    codes = inputs.codes
    statistics = question_statistics_encoded(
        codes.question_ids,
        codes.question,
        codes.candidate,
        codes.criterion,
        inputs.rating,
        fit.adjusted_rating,
        fit.easiness,  # the fit ran on the same criterion codes
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
    ids, code = inputs.codes.candidate_ids, inputs.codes.candidate
    ratings = np.bincount(code, minlength=ids.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_mean = np.bincount(code, weights=inputs.rating, minlength=ids.size) / ratings
    adjusted = fit.adjusted_score  # the fit ran on the same candidate codes
    return [
        {"id": candidate_id, "ratings": count, "raw_mean": raw, "adjusted_score": score}
        for candidate_id, count, raw, score in zip(
            ids.tolist(),
            ratings.tolist(),
            optional_floats(raw_mean),
            optional_floats(adjusted),
            strict=True,
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


VARIANCE_TERMS = ("candidate", "question", "interviewer", "candidate_question")
# When the data cannot separate two components, give up the least essential first.
VARIANCE_DROP_ORDER = ("candidate_question", "interviewer", "question", "candidate")
VARIANCE_METHOD = (
    "Question scores (each scorecard's criterion-weighted mean rating of one question) = "
    "mean + candidate + question + interviewer + candidate x question + residual, all random; "
    "the residual also holds interviewer x candidate and interviewer x question. "
    + METHOD_HENDERSON_1
)


@dataclass(frozen=True)
class QuestionScores:
    """One score per (scorecard, question), with the codes of who and what it is about."""

    score: np.ndarray
    candidate: np.ndarray
    question: np.ndarray
    interviewer: np.ndarray
    candidate_question: np.ndarray  # dense code of the (candidate, question) cell


def question_scores(inputs: CalibrationInputs) -> QuestionScores:
    """Each scorecard's weighted mean of its criterion ratings for one question,

        score = sum_c w_c x_c / sum_c w_c   over the question's criteria c it rated,

    with w_c the rubric criterion's weight. A scorecard is one interviewer in one session
    (a database constraint), so (session, interviewer, question) names the score.
    """
    codes = inputs.codes
    group, first = group_rows(codes.session, codes.interviewer, codes.question)
    weight_sum = np.bincount(group, weights=inputs.weight)
    score = np.bincount(group, weights=inputs.weight * inputs.rating) / weight_sum
    candidate, question = codes.candidate[first], codes.question[first]
    cell, _ = group_rows(candidate, question)
    return QuestionScores(score, candidate, question, codes.interviewer[first], cell)


def _generalizability(
    inputs: CalibrationInputs,
) -> tuple[dict[str, object], list[dict[str, object]], str | None]:
    """Variance components of question scores, the p x (r:q) decision study from them and the
    sentence saying whether one more question or one more interviewer per question helps more
    from the team's typical loop (median questions per candidate, median interviewers per
    candidate x question)."""
    scores = question_scores(inputs)
    fit = henderson_one(
        scores.score,
        {
            "candidate": scores.candidate,
            "question": scores.question,
            "interviewer": scores.interviewer,
            "candidate_question": scores.candidate_question,
        },
        drop_order=VARIANCE_DROP_ORDER,
    )
    values = fit.as_dict()
    components: dict[str, object] = {
        **values,
        "shares": fit.shares(),
        "question_scores": fit.observations,
        "method": VARIANCE_METHOD,
        "notes": list(fit.notes),
    }
    if values[RESIDUAL] is None or values["candidate"] is None:
        return components, [], None
    loop = loop_components(**{name: values[name] or 0.0 for name in (*VARIANCE_TERMS, RESIDUAL)})
    per_candidate = np.bincount(scores.candidate[_first_of(scores.candidate_question)])
    questions = max(1, int(np.median(per_candidate[per_candidate > 0])))
    interviewers = max(1, int(np.median(np.bincount(scores.candidate_question))))
    return components, decision_study(loop), decision_advice(loop, questions, interviewers)


def _first_of(group: np.ndarray) -> np.ndarray:
    """The first row of every group of a dense group code."""
    first = np.full(int(group.max()) + 1 if group.size else 0, group.size, dtype=np.int64)
    np.minimum.at(first, group, np.arange(group.size, dtype=np.int64))
    return first


def _drift(
    inputs: CalibrationInputs, fit: SeverityFit, granularity: str
) -> list[dict[str, object]]:
    """Per fitted interviewer: severity by period and whether it drifted (see `interviewer_drift`;
    the fit ran on `inputs.codes`, so its interviewer codes are the inputs')."""
    labels, period_code = period_labels(inputs.submitted_day, granularity)
    codes = inputs.codes
    drift = interviewer_drift(
        fit, codes.interviewer, period_code, codes.candidate, codes.criterion, inputs.rating
    )
    cells = [
        {
            "period": labels[period],
            "severity": severity,
            "severity_se": severity_se,
            "move": move,
            "move_se": move_se,
            "ratings": ratings,
        }
        for period, severity, severity_se, move, move_se, ratings in zip(
            drift.period.tolist(),
            optional_floats(drift.severity),
            optional_floats(drift.severity_se),
            optional_floats(drift.move),
            optional_floats(drift.move_se),
            drift.ratings.tolist(),
            strict=True,
        )
    ]
    rows: list[dict[str, object]] = []
    start = np.searchsorted(drift.interviewer, np.arange(fit.interviewer_ids.size))
    end = np.searchsorted(drift.interviewer, np.arange(fit.interviewer_ids.size), side="right")
    for code in np.flatnonzero(end > start).tolist():
        interviewer_id = int(fit.interviewer_ids[code])
        rows.append(
            {
                "id": interviewer_id,
                "username": inputs.interviewer_usernames.get(interviewer_id),
                "drifting": bool(drift.drifting[code]),
                "periods": cells[int(start[code]) : int(end[code])],
            }
        )
    return rows


def _fit_free_statistics(
    inputs: CalibrationInputs,
) -> tuple[
    dict[str, int],
    dict[str, object],
    dict[str, object],
    tuple[dict[str, object], list[dict[str, object]], str | None],
]:
    """The statistics that do not need the severity fit: summary, agreement, reliability and
    the variance components with their decision study."""
    return (
        _summary(inputs),
        _agreement(inputs),
        _reliability(inputs),
        _generalizability(inputs),
    )


def _fit_rows(
    inputs: CalibrationInputs, fit: SeverityFit
) -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]:
    """The report's rows built on the severity fit: questions, interviewers, candidates."""
    return _questions(inputs, fit), interviewer_rows(inputs, fit), _candidates(inputs, fit)


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
    codes = inputs.codes
    # Two threads: the statistics that do not need the severity fit (agreement, reliability,
    # variance components, summary) run beside the fit and the drift fit built on it. Both
    # spend most of their time in numpy/scipy/BLAS calls that release the GIL, so on two cores
    # the report takes about the longer of the two chains instead of their sum (measured at
    # 10^6 ratings: 1.03 -> 0.70 s, docs/BENCHMARKS.md). The inputs are only read; `progress`
    # is only called from this thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration") as side:
        fit_free = side.submit(_fit_free_statistics, inputs)
        fit = fit_severity_model_encoded(
            inputs.rating,
            codes.interviewer_ids,
            codes.interviewer,
            codes.candidate_ids,
            codes.candidate,
            codes.criterion_ids,
            codes.criterion,
        )
        notify(40)
        # The rows built on the fit queue behind the fit-free statistics on the side thread
        # (together shorter than the drift fit, which runs here meanwhile).
        fit_rows = side.submit(_fit_rows, inputs, fit)
        drift = _drift(inputs, fit, inputs.drift_granularity)
        notify(80)
        summary, agreement, reliability, (components, study, advice) = fit_free.result()
        questions, interviewers, candidates = fit_rows.result()
        notify(95)
    report: dict[str, object] = {
        "summary": summary,
        "interviewers": interviewers,
        "questions": questions,
        "candidates": candidates,
        "agreement": agreement,
        "reliability": reliability,
        "model": _model(fit),
        "variance_components": components,
        "decision_study": study,
        "decision_advice": advice,
        "drift": drift,
    }
    notify(100)
    return report
