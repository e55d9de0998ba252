"""Calibration statistics against published reference values and hand-derived solutions.

Plain pytest, no Django: run with `-p no:django`. Every expected number comes from a publication
or from arithmetic on the printed table written out in the test, never from this code's output.
"""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pytest
from scipy import stats

from scoring.calibration import (
    CalibrationInputs,
    alpha_from_reliability_matrix,
    build_report,
    fit_severity_model,
    icc_one_way,
    interviewers_needed,
    krippendorff_alphas,
    single_rater_reliability,
    spearman_brown,
    spearman_brown_inverse,
)
from scoring.calibration.agreement import alpha_from_coincidences, coincidences
from scoring.calibration.blas import single_threaded_blas
from scoring.calibration.inputs import distinct_ids, encode_ids, group_rows

NA = math.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the worked example with
# missing data: 4 observers (A..D) x 12 units, values 1..5. Published: nominal .743, ordinal .815,
# interval .849.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],  # A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],  # B
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],  # C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],  # D
]

# Shrout & Fleiss (1979), the worked example: 6 targets rated by 4 judges. Published
# ICC(1,1) = .17 and ICC(1,4) = .44 (the Spearman-Brown step-up of ICC(1,1) to 4 judges).
SHROUT_FLEISS_1979 = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def _krippendorff_inputs() -> CalibrationInputs:
    """The 2011 table as ratings: one criterion, one session/loop/candidate per unit."""
    rating, interviewer, unit = [], [], []
    for observer, row in enumerate(KRIPPENDORFF_2011, start=1):
        for unit_number, value in enumerate(row, start=1):
            if not math.isnan(value):
                rating.append(value - 1)  # 1..5 -> 0..4; alpha is invariant to a shift
                interviewer.append(observer)
                unit.append(unit_number)
    return CalibrationInputs.from_lists(
        rating=rating,
        interviewer=interviewer,
        candidate=unit,
        criterion=[1] * len(unit),
        question=[1] * len(unit),
        session=unit,
        loop=unit,
        question_meta={1: ("system-design", "senior")},
    )


def _ratings_only(
    rating: list[float], interviewer: list[int], candidate: list[int], criterion: list[int]
) -> CalibrationInputs:
    """Inputs where every (candidate, interviewer) pair is its own session of loop = candidate."""
    session = [c * 1000 + i for c, i in zip(candidate, interviewer, strict=True)]
    return CalibrationInputs.from_lists(
        rating=rating,
        interviewer=interviewer,
        candidate=candidate,
        criterion=criterion,
        question=criterion,
        session=session,
        loop=candidate,
    )


def _row(report: dict, section: str, row_id: int) -> dict:
    return next(row for row in report[section] if row["id"] == row_id)


# 1. Krippendorff's alpha -------------------------------------------------------------------


def test_alpha_on_reliability_matrix_matches_krippendorff_2011() -> None:
    matrix = np.array(KRIPPENDORFF_2011, dtype=np.float64)
    assert round(alpha_from_reliability_matrix(matrix, "nominal").alpha, 3) == 0.743
    assert round(alpha_from_reliability_matrix(matrix, "ordinal").alpha, 3) == 0.815
    assert round(alpha_from_reliability_matrix(matrix, "interval").alpha, 3) == 0.849
    # Units 1..11 have two or more values; unit 12 (only B) is not pairable.
    assert alpha_from_reliability_matrix(matrix, "ordinal").units == 11


def test_build_report_reproduces_krippendorff_2011() -> None:
    agreement = build_report(_krippendorff_inputs())["agreement"]
    assert round(agreement["criterion_alpha_ordinal"], 3) == 0.815
    assert round(agreement["criterion_alpha_interval"], 3) == 0.849
    assert agreement["criterion_units"] == 11
    assert agreement["criterion_alpha_ordinal_reason"] is None


def test_alpha_keeps_first_value_of_a_repeated_interviewer_unit_pair() -> None:
    matrix = np.array(KRIPPENDORFF_2011, dtype=np.float64)
    interviewer, unit = np.nonzero(~np.isnan(matrix))
    value = matrix[interviewer, unit]
    # Append a contradicting second rating by observer A of unit 1: it must be ignored.
    results = krippendorff_alphas(
        np.append(unit, 0), np.append(interviewer, 0), np.append(value, 5.0), ["ordinal"]
    )
    assert round(results["ordinal"].alpha, 3) == 0.815


def test_alpha_is_none_with_a_reason_when_undefined() -> None:
    one_unit = krippendorff_alphas(
        np.array([1, 1]), np.array([1, 2]), np.array([2.0, 3.0]), ["ordinal"]
    )
    assert one_unit["ordinal"].alpha is None
    assert "need 2" in one_unit["ordinal"].reason
    same = krippendorff_alphas(
        np.array([1, 1, 2, 2]), np.array([1, 2, 1, 2]), np.array([3.0] * 4), ["interval"]
    )
    assert same["interval"].alpha is None
    assert "no variation" in same["interval"].reason


# 2. Spearman-Brown and ICC(1) --------------------------------------------------------------


def test_spearman_brown_published_points() -> None:
    assert round(spearman_brown(0.5, 2), 4) == 0.6667  # 2 * .5 / 1.5
    assert interviewers_needed(0.3) == 10  # ceil(0.8 * 0.7 / (0.3 * 0.2)) = ceil(9.33)
    for r, k in [(0.2, 3), (0.45, 5), (0.7, 1.5), (0.1, 12)]:
        assert math.isclose(spearman_brown(r, k), k * r / (1 + (k - 1) * r))


def test_spearman_brown_inverses_round_trip() -> None:
    for r in (0.05, 0.3, 0.5, 0.79):
        k = spearman_brown_inverse(r, 0.8)
        assert math.isclose(spearman_brown(r, k), 0.8)
        assert math.isclose(single_rater_reliability(spearman_brown(r, 4), 4), r)
    assert interviewers_needed(0.5) == 4  # 0.8 * 0.5 / (0.5 * 0.2) = 4 exactly, no round-up
    assert interviewers_needed(0.85) == 1
    assert interviewers_needed(0.0) is None
    assert interviewers_needed(-0.2) is None
    assert interviewers_needed(None) is None


def test_icc1_matches_shrout_fleiss_1979() -> None:
    table = np.array(SHROUT_FLEISS_1979, dtype=np.float64)
    target = np.repeat(np.arange(6), 4)
    icc = icc_one_way(target, table.ravel())
    assert round(icc.icc, 2) == 0.17
    assert round(spearman_brown(icc.icc, 4), 2) == 0.44


# 3. Severity model against hand-solved designs -----------------------------------------------


def test_exact_additive_two_by_two_recovers_planted_severity() -> None:
    # rating = mu + ability - severity with mu = 2, abilities +-0.5, severities +-0.25.
    fit = fit_severity_model(
        rating=np.array([2.25, 2.75, 1.25, 1.75]),
        interviewer=np.array([1, 2, 1, 2]),
        candidate=np.array([10, 10, 11, 11]),
        criterion=np.array([5, 5, 5, 5]),
    )
    severity = dict(zip(fit.interviewer_ids.tolist(), fit.severity.tolist(), strict=True))
    assert math.isclose(severity[1] - severity[2], 0.5, abs_tol=1e-12)
    assert math.isclose(severity[1], 0.25, abs_tol=1e-12)  # sum-to-zero centring
    assert np.allclose(fit.residual, 0.0, atol=1e-12)


def test_balanced_two_way_layout_matches_marginal_means() -> None:
    # Complete candidates x interviewers layout, one criterion, no interaction: the LS effects
    # are the marginal-mean deviations and Var(column effect) = sigma^2 (c-1)/(r c), sigma^2 =
    # RSS / ((r-1)(c-1)) (Scheffe, The Analysis of Variance, 1959, ch. 4).
    table = [  # rows: candidates 1..3, columns: interviewers 1..4
        [3, 2, 4, 3],
        [2, 1, 3, 1],
        [4, 2, 4, 3],
    ]
    grand = (3 + 2 + 4 + 3 + 2 + 1 + 3 + 1 + 4 + 2 + 4 + 3) / 12  # 32 / 12
    column_mean = [(3 + 2 + 4) / 3, (2 + 1 + 2) / 3, (4 + 3 + 4) / 3, (3 + 1 + 3) / 3]
    row_mean = [(3 + 2 + 4 + 3) / 4, (2 + 1 + 3 + 1) / 4, (4 + 2 + 4 + 3) / 4]
    rss = sum(
        (table[r][c] - row_mean[r] - column_mean[c] + grand) ** 2
        for r in range(3)
        for c in range(4)
    )
    sigma2 = rss / ((3 - 1) * (4 - 1))
    expected_se = math.sqrt(sigma2 * (4 - 1) / (3 * 4))

    rating = [float(table[r][c]) for r in range(3) for c in range(4)]
    fit = fit_severity_model(
        rating=np.array(rating),
        interviewer=np.array([c + 1 for r in range(3) for c in range(4)]),
        candidate=np.array([r + 1 for r in range(3) for c in range(4)]),
        criterion=np.ones(12, dtype=np.int64),
    )
    # Severity = harshness = grand mean minus the interviewer's column mean.
    assert np.allclose(fit.severity, [grand - m for m in column_mean], atol=1e-10)
    assert np.allclose(fit.severity_se, expected_se, atol=1e-10)
    assert math.isclose(fit.residual_variance, sigma2, abs_tol=1e-12)
    assert fit.residual_df == 6
    # Adjusted score = mean(rating + severity) = row mean (each candidate saw every interviewer).
    assert np.allclose(fit.adjusted_score, row_mean, atol=1e-10)


def test_balanced_three_way_layout_matches_marginal_means() -> None:
    # Candidates x interviewers x criteria, complete and balanced: each main effect's LS
    # estimate is its marginal mean minus the grand mean (Scheffe 1959, additive model).
    values = {  # (candidate, interviewer) -> ratings on criteria 1 and 2
        (1, 1): (3, 2),
        (1, 2): (4, 4),
        (1, 3): (2, 2),
        (2, 1): (1, 1),
        (2, 2): (3, 2),
        (2, 3): (1, 0),
    }
    grand = (3 + 2 + 4 + 4 + 2 + 2 + 1 + 1 + 3 + 2 + 1 + 0) / 12  # 25 / 12
    interviewer_mean = {1: (3 + 2 + 1 + 1) / 4, 2: (4 + 4 + 3 + 2) / 4, 3: (2 + 2 + 1 + 0) / 4}
    criterion_mean = {1: (3 + 4 + 2 + 1 + 3 + 1) / 6, 2: (2 + 4 + 2 + 1 + 2 + 0) / 6}
    rating, interviewer, candidate, criterion = [], [], [], []
    for (c, i), pair in values.items():
        for j, value in enumerate(pair, start=1):
            rating.append(float(value))
            interviewer.append(i)
            candidate.append(c)
            criterion.append(j)
    fit = fit_severity_model(
        np.array(rating), np.array(interviewer), np.array(candidate), np.array(criterion)
    )
    assert np.allclose(fit.severity, [grand - interviewer_mean[i] for i in (1, 2, 3)])
    assert np.allclose(fit.easiness, [criterion_mean[j] - grand for j in (1, 2)])


# 4. Connectivity -----------------------------------------------------------------------------


def test_interviewer_with_an_unshared_candidate_is_disconnected() -> None:
    inputs = _ratings_only(
        rating=[3, 2, 4, 1, 2],
        interviewer=[1, 2, 1, 2, 3],
        candidate=[10, 10, 11, 11, 99],  # nobody but interviewer 3 met candidate 99
        criterion=[7, 7, 7, 7, 7],  # same criterion: sharing criteria alone does not connect
    )
    report = build_report(inputs)
    lonely = _row(report, "interviewers", 3)
    assert "disconnected" in lonely["flags"]
    assert lonely["severity"] is None
    assert lonely["severity_se"] is None
    assert _row(report, "interviewers", 1)["severity"] is not None
    assert _row(report, "candidates", 99)["adjusted_score"] is None
    assert _row(report, "candidates", 99)["raw_mean"] == 2.0


def test_interviewer_only_using_their_own_criterion_is_confounded() -> None:
    # Interviewer 3 shares candidates but rates only criterion 9, which nobody else uses: their
    # severity cannot be told apart from criterion 9's easiness.
    inputs = _ratings_only(
        rating=[3, 2, 4, 1, 2, 3, 1, 2],
        interviewer=[1, 2, 1, 2, 1, 2, 3, 3],
        candidate=[10, 10, 11, 11, 12, 12, 10, 11],
        criterion=[7, 7, 7, 7, 8, 8, 9, 9],
    )
    report = build_report(inputs)
    assert "confounded" in _row(report, "interviewers", 3)["flags"]
    assert _row(report, "interviewers", 3)["severity"] is None
    assert _row(report, "questions", 9)["easiness"] is None
    assert _row(report, "interviewers", 1)["severity"] is not None


# 5. Planted severities -----------------------------------------------------------------------


def _planted_hiring_data(seed: int = 20240611) -> tuple[CalibrationInputs, np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    interviewers, candidates, questions = 40, 400, 10
    severity = rng.normal(0.0, 0.5, interviewers)
    severity -= severity.mean()  # "average interviewer" = zero, as in the model
    ability = rng.normal(0.0, 0.6, candidates)
    easiness = rng.normal(0.0, 0.3, questions * 2)
    # Uneven assignment: even-numbered candidates mostly meet harsh interviewers, odd ones
    # lenient interviewers, so raw means mix candidate ability with interviewer severity.
    harsh_weight = np.exp(2.5 * severity) / np.exp(2.5 * severity).sum()
    lenient_weight = np.exp(-2.5 * severity) / np.exp(-2.5 * severity).sum()
    rating, interviewer, candidate, criterion, session = [], [], [], [], []
    session_id = 0
    for c in range(candidates):
        weight = harsh_weight if c % 2 == 0 else lenient_weight
        for _ in range(4):
            session_id += 1
            question = int(rng.integers(questions))
            panel = rng.choice(interviewers, size=int(rng.integers(1, 3)), replace=False, p=weight)
            for i in panel:
                for j in (2 * question, 2 * question + 1):
                    expected = 2.0 + ability[c] + easiness[j] - severity[i]
                    rating.append(float(np.clip(np.rint(expected + rng.normal(0, 0.5)), 0, 4)))
                    interviewer.append(int(i))
                    candidate.append(c)
                    criterion.append(j)
                    session.append(session_id)
    inputs = CalibrationInputs.from_lists(
        rating=rating,
        interviewer=interviewer,
        candidate=candidate,
        criterion=criterion,
        question=[j // 2 for j in criterion],
        session=session,
        loop=candidate,
    )
    # Target score: the expected rating by an average interviewer on the criteria asked.
    asked = np.array(criterion)
    owner = np.array(candidate)
    mean_easiness = np.bincount(owner, weights=easiness[asked]) / np.bincount(owner)
    target = {c: 2.0 + ability[c] + mean_easiness[c] for c in range(candidates)}
    return inputs, severity, target


def test_planted_severities_are_recovered_and_adjusted_scores_beat_raw_means() -> None:
    inputs, planted, target = _planted_hiring_data()
    report = build_report(inputs)
    fitted = {row["id"]: row["severity"] for row in report["interviewers"]}
    assert all(fitted[i] is not None for i in range(len(planted)))
    rho = stats.spearmanr(planted, [fitted[i] for i in range(len(planted))]).statistic
    assert rho > 0.9

    rows = report["candidates"]
    truth = np.array([target[row["id"]] for row in rows])
    raw = np.array([row["raw_mean"] for row in rows])
    adjusted = np.array([row["adjusted_score"] for row in rows])
    raw_rmse = float(np.sqrt(np.mean((raw - truth) ** 2)))
    adjusted_rmse = float(np.sqrt(np.mean((adjusted - truth) ** 2)))
    assert adjusted_rmse < raw_rmse
    harsh = [row for row in report["interviewers"] if "harsh" in row["flags"]]
    assert all(planted[row["id"]] > 0 for row in harsh)


# 6. JSON safety and shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        CalibrationInputs.from_lists(),
        _ratings_only(rating=[3.0], interviewer=[1], candidate=[10], criterion=[7]),
        CalibrationInputs.from_lists(  # three interviewers per session, all saying 2
            rating=[2.0] * 6,
            interviewer=[1, 2, 3, 1, 2, 3],
            candidate=[10, 10, 10, 11, 11, 11],
            criterion=[7] * 6,
            question=[70] * 6,
            session=[100, 100, 100, 101, 101, 101],
            loop=[500, 500, 500, 501, 501, 501],
            card_interviewer=[1, 2, 3, 1, 2, 3],
            card_loop=[500, 500, 500, 501, 501, 501],
            card_candidate=[10, 10, 10, 11, 11, 11],
            card_recommendation=[3] * 6,
        ),
    ],
    ids=["empty", "single-rating", "all-identical"],
)
def test_report_is_strict_json_in_edge_cases(inputs: CalibrationInputs) -> None:
    report = build_report(inputs)
    json.dumps(report, allow_nan=False)
    assert set(report) >= {"summary", "interviewers", "questions", "candidates", "agreement"}
    assert report["agreement"]["criterion_alpha_ordinal"] is None
    assert report["agreement"]["criterion_alpha_ordinal_reason"]
    assert report["reliability"]["recommendation_single_rater"] is None
    assert report["reliability"]["interviewers_for_0_8_reason"]


def test_report_shape_recommendations_and_decisions() -> None:
    progress: list[int] = []
    inputs = CalibrationInputs.from_lists(
        rating=[3, 2, 4, 1],
        interviewer=[1, 2, 1, 2],
        candidate=[10, 10, 11, 11],
        criterion=[7, 7, 7, 7],
        question=[70, 70, 70, 70],
        session=[100, 100, 101, 101],
        loop=[500, 500, 501, 501],
        # Interviewer 1 has two cards in loop 500: only the first (yes) counts.
        card_interviewer=[1, 1, 2, 1, 2],
        card_loop=[500, 500, 500, 501, 501],
        card_candidate=[10, 10, 10, 11, 11],
        card_recommendation=[3, 1, 2, 4, 1],
        decision_loop=[500, 501],
        decision_hire=[True, False],
        interviewer_usernames={1: "ivan", 2: "olga"},
        question_meta={70: ("design-a-cache", "senior")},
    )
    report = build_report(inputs, progress=progress.append)
    assert progress[0] == 0 and progress[-1] == 100
    assert report["summary"] == {
        "scorecards": 5,
        "ratings": 4,
        "interviewers": 2,
        "candidates": 2,
        "sessions_multi_rated": 2,
    }
    ivan = _row(report, "interviewers", 1)
    assert ivan["username"] == "ivan"
    assert ivan["recommendation_counts"] == {"strong_no": 1, "no": 0, "yes": 1, "strong_yes": 1}
    # Loop 500 hired, ivan said yes (match); loop 501 not hired, ivan said strong_yes (miss).
    assert ivan["decision_agreement"] == 0.5
    # Olga: no (loop 500 hired: miss), strong_no (loop 501 rejected: match).
    assert _row(report, "interviewers", 2)["decision_agreement"] == 0.5
    question = _row(report, "questions", 70)
    assert (question["slug"], question["level"], question["ratings"]) == (
        "design-a-cache",
        "senior",
        4,
    )
    assert report["agreement"]["recommendation_units"] == 2
    json.dumps(report, allow_nan=False)


def test_misaligned_arrays_are_rejected() -> None:
    with pytest.raises(ValueError, match="aligned"):
        CalibrationInputs.from_lists(rating=[1.0, 2.0], interviewer=[1])
    with pytest.raises(ValueError, match="ratings must lie"):
        _ratings_only(rating=[5.0], interviewer=[1], candidate=[1], criterion=[1])


# 6. Grouping helpers and BLAS threads ------------------------------------------------------
# The helpers avoid np.unique's stable sort; np.unique is the definition they must reproduce.


@pytest.mark.parametrize(
    "ids",
    [
        np.array([7, 3, 3, 9, 7, 5]),  # dense range: presence table
        np.array([10**12, 5, 10**12, -(10**9), 5, 77]),  # sparse range: sorting
        np.array([4]),
        np.array([], dtype=np.int64),
    ],
    ids=["dense", "sparse", "single", "empty"],
)
def test_encode_ids_matches_np_unique(ids: np.ndarray) -> None:
    distinct, code = encode_ids(ids)
    expected_distinct, expected_code = np.unique(ids, return_inverse=True)
    assert distinct.tolist() == expected_distinct.tolist()
    assert code.tolist() == expected_code.tolist()
    assert code.dtype == np.int64


@pytest.mark.parametrize("width", [3, 10**7], ids=["dense-key", "sparse-key"])
def test_group_rows_numbers_groups_in_key_order_with_their_first_row(width: int) -> None:
    rng = np.random.default_rng(5)
    first_code = rng.integers(0, 40, 500)
    second_code = rng.integers(0, 3, 500) * (width // 3)
    group, first = group_rows(first_code, second_code)
    key = first_code * width + second_code
    _, expected_first, expected_group = np.unique(key, return_index=True, return_inverse=True)
    assert group.tolist() == expected_group.tolist()
    assert first.tolist() == expected_first.tolist()  # the FIRST row of each group


def test_distinct_ids_is_the_union_of_the_arrays() -> None:
    assert distinct_ids(
        np.array([5, 1, 5]), np.array([9, 1]), np.array([], dtype=np.int64)
    ).tolist() == [1, 5, 9]


def test_single_threaded_blas_nests_and_keeps_results() -> None:
    matrix = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    with single_threaded_blas():
        with single_threaded_blas():
            inner = np.linalg.eigvalsh(matrix)
        outer = np.linalg.eigvalsh(matrix)
    # Eigenvalues of this tridiagonal Toeplitz matrix: 2 - sqrt(2), 2, 2 + sqrt(2).
    expected = [2 - math.sqrt(2), 2.0, 2 + math.sqrt(2)]
    assert inner.tolist() == pytest.approx(expected)
    assert outer.tolist() == pytest.approx(expected)
    assert np.linalg.eigvalsh(matrix).tolist() == pytest.approx(expected)


def test_alpha_from_one_coincidence_matrix_equals_the_krippendorff_package() -> None:
    # The package (Castro, krippendorff 0.9.0, a direct transcription of Krippendorff 2011) is
    # the reference; random tables of 2-4 values per unit over 5 values, every level.
    rng = np.random.default_rng(8)
    for _ in range(20):
        units = rng.integers(2, 40)
        table = np.zeros((units, 5), dtype=np.int64)
        for row, size in zip(table, rng.integers(2, 5, units), strict=True):
            np.add.at(row, rng.integers(0, 5, size), 1)
        domain = np.array([0.0, 1.0, 2.0, 3.0, 4.0]) + 1.0  # ratio needs no zero sum
        coincidence = coincidences(table)
        for level in ("nominal", "ordinal", "interval", "ratio"):
            expected = krippendorff.alpha(
                value_counts=table, value_domain=domain, level_of_measurement=level
            )
            assert alpha_from_coincidences(coincidence, domain, level) == pytest.approx(expected)
