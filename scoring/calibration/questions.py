"""Question statistics: how hard each question is and how well it separates candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.calibration.inputs import RATING_MAX, RATING_MIN, encode_ids, group_rows

MIN_DISCRIMINATION_CANDIDATES = 3


@dataclass(frozen=True)
class QuestionStatistics:
    """Per-question arrays aligned with `question_ids`; NaN where a value is undefined."""

    question_ids: np.ndarray
    ratings: np.ndarray
    mean_rating: np.ndarray
    easiness: np.ndarray  # mean easiness of the question's criteria, rating points
    discrimination: np.ndarray  # item-rest correlation across candidates
    discrimination_candidates: np.ndarray  # candidates entering that correlation


def pearson_by_group(group: np.ndarray, x: np.ndarray, y: np.ndarray, groups: int) -> np.ndarray:
    """Pearson's r of x and y within each group, NaN for fewer than 3 pairs or no variance.

        r = sum (x - mean x)(y - mean y) / sqrt(sum (x - mean x)^2 * sum (y - mean y)^2)

    Source: Pearson, K. (1896). Mathematical contributions to the theory of evolution III.
    Regression, heredity and panmixia. Phil. Trans. R. Soc. A 187, 253-318. Two-pass (centred)
    sums, vectorised over groups with bincount, avoid the cancellation of the one-pass formula.
    """
    count = np.bincount(group, minlength=groups).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = x - (np.bincount(group, weights=x, minlength=groups) / count)[group]
        dy = y - (np.bincount(group, weights=y, minlength=groups) / count)[group]
        sxx = np.bincount(group, weights=dx * dx, minlength=groups)
        syy = np.bincount(group, weights=dy * dy, minlength=groups)
        sxy = np.bincount(group, weights=dx * dy, minlength=groups)
        # Relative floor: a "variance" of rounding noise must not produce a correlation.
        defined = (count >= MIN_DISCRIMINATION_CANDIDATES) & (sxx > 1e-12) & (syy > 1e-12)
        r = np.where(defined, sxy / np.sqrt(sxx * syy), np.nan)
    return np.clip(r, -1.0, 1.0)


def item_rest_discrimination(
    question_code: np.ndarray,
    candidate_code: np.ndarray,
    rating: np.ndarray,
    adjusted_rating: np.ndarray,
    questions: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per question: Pearson r, across candidates, of the candidate's mean rating on the question
    with the candidate's adjusted score from their OTHER questions (item-rest correlation).

    Leaving the question out of the candidate's score removes the part-whole inflation of the
    plain item-total correlation. Source: Henrysson, S. (1963). Correction of item-total
    correlations in item analysis. Psychometrika 28(2), 211-218; Nunnally, J. C. & Bernstein,
    I. H. (1994). Psychometric Theory, 3rd ed., McGraw-Hill (corrected item-total correlation).

    Only ratings with a known adjusted value (interviewer severity fitted) enter, so both sides
    are measured on the same ratings. The rest score uses the severities of the full fit rather
    than a refit per question: one fit instead of one per question, and a single question moves
    the severities little. Returns (r, candidates) per question code; r is NaN when undefined.
    """
    known = np.isfinite(adjusted_rating)
    question_code, candidate_code = question_code[known], candidate_code[known]
    rating, adjusted_rating = rating[known], adjusted_rating[known]
    if rating.size == 0:
        return np.full(questions, np.nan), np.zeros(questions, dtype=np.int64)
    pair, first = group_rows(candidate_code, question_code)
    pair_candidate, pair_question = candidate_code[first], question_code[first]
    pair_count = np.bincount(pair).astype(np.float64)
    pair_mean = np.bincount(pair, weights=rating) / pair_count
    pair_adjusted = np.bincount(pair, weights=adjusted_rating)
    candidate_count = np.bincount(candidate_code).astype(np.float64)
    candidate_adjusted = np.bincount(candidate_code, weights=adjusted_rating)
    rest_count = candidate_count[pair_candidate] - pair_count
    has_rest = rest_count > 0
    rest_score = (candidate_adjusted[pair_candidate] - pair_adjusted)[has_rest] / rest_count[
        has_rest
    ]
    rest_score = np.clip(rest_score, RATING_MIN, RATING_MAX)  # same scale as adjusted_score
    group = pair_question[has_rest]
    r = pearson_by_group(group, pair_mean[has_rest], rest_score, questions)
    return r, np.bincount(group, minlength=questions).astype(np.int64)


def question_statistics(
    question: np.ndarray,
    candidate: np.ndarray,
    criterion: np.ndarray,
    rating: np.ndarray,
    adjusted_rating: np.ndarray,
    criterion_ids: np.ndarray,
    criterion_easiness: np.ndarray,
) -> QuestionStatistics:
    """Ratings, mean rating, easiness and discrimination of every rated question.

    Easiness is the unweighted mean of the easiness effects of the question's criteria (rating
    points, + easier than the average criterion; see `fit_severity_model`), over criteria whose
    easiness is estimable; NaN when none is.
    """
    question_ids, question_code = encode_ids(question)
    criterion_ids_used, criterion_code = encode_ids(criterion)
    _, candidate_code = encode_ids(candidate)
    effect = np.asarray(criterion_easiness, dtype=np.float64)[
        np.searchsorted(criterion_ids, criterion_ids_used)
    ]
    return question_statistics_encoded(
        question_ids, question_code, candidate_code, criterion_code, rating, adjusted_rating, effect
    )


def question_statistics_encoded(
    question_ids: np.ndarray,
    question_code: np.ndarray,
    candidate_code: np.ndarray,
    criterion_code: np.ndarray,
    rating: np.ndarray,
    adjusted_rating: np.ndarray,
    criterion_easiness: np.ndarray,
) -> QuestionStatistics:
    """`question_statistics` on encoded ids (`CalibrationInputs.codes`); `criterion_easiness`
    is indexed by criterion code."""
    questions = question_ids.size
    count = np.bincount(question_code, minlength=questions)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rating = np.bincount(question_code, weights=rating, minlength=questions) / count

    # Each criterion belongs to one question; average the estimable criteria effects per question.
    _, first = group_rows(criterion_code, question_code)
    pair_question = question_code[first]
    effect = criterion_easiness[criterion_code[first]]
    known = np.isfinite(effect)
    with np.errstate(invalid="ignore", divide="ignore"):
        easiness = np.bincount(
            pair_question[known], weights=effect[known], minlength=questions
        ) / np.bincount(pair_question[known], minlength=questions)

    discrimination, candidates = item_rest_discrimination(
        question_code, candidate_code, rating, adjusted_rating, questions
    )
    return QuestionStatistics(
        question_ids=question_ids,
        ratings=count.astype(np.int64),
        mean_rating=mean_rating,
        easiness=easiness,
        discrimination=discrimination,
        discrimination_candidates=candidates,
    )
