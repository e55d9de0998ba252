"""Interviewer drift: severity per quarter (or month), flagged when a period moved > 2 SE.

Pure tests first (planted drift on simulated ratings, hand-derived period labels), then the
request's `granularity` filter and chart.png?kind=drift with the database.
"""

import datetime as dt

import numpy as np
import pytest

from scoring.calibration import CalibrationInputs, build_report
from scoring.calibration.drift import _inverse_with_constant_fixed, period_labels
from tests.scoring.calibration_report_helpers import (
    report_url,
    request_report,
    succeeded_report,
    synthetic_hiring_data,
)

EPOCH = dt.date(1970, 1, 1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _day(year: int, month: int, day: int) -> int:
    return (dt.date(year, month, day) - EPOCH).days


def test_period_labels_by_quarter_and_month() -> None:
    days = [_day(2026, 3, 31), _day(2026, 4, 1), _day(2025, 12, 31), _day(2026, 11, 30)]
    labels, code = period_labels(np.array(days), "quarter")
    assert labels == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q4"]
    assert code.tolist() == [1, 2, 0, 3]
    labels, code = period_labels(np.array(days), "month")
    assert labels == ["2025-12", "2026-03", "2026-04", "2026-11"]
    assert code.tolist() == [1, 2, 0, 3]


def _ratings_with_drift(jump: float, seed: int = 4) -> CalibrationInputs:
    """12 interviewers x 2 quarters, each rating 150 candidates a quarter on 3 criteria; the
    planted severities are fixed except interviewer 1's, which rises by `jump` in Q2."""
    rng = np.random.default_rng(seed)
    interviewers, per_quarter, criteria = 12, 150, 3
    severity = np.linspace(-0.5, 0.5, interviewers)
    rows = []
    for quarter, day in enumerate((_day(2026, 2, 10), _day(2026, 5, 10))):
        for i in range(interviewers):
            candidates = rng.choice(600, per_quarter, replace=False) + 1
            for candidate in candidates:
                for criterion in range(criteria):
                    rows.append((i + 1, int(candidate), criterion + 1, day, quarter))
    interviewer, candidate, criterion, day, quarter = (np.array(c) for c in zip(*rows, strict=True))
    ability = rng.normal(0.0, 0.6, 601)
    shift = severity[interviewer - 1] + jump * ((interviewer == 1) & (quarter == 1))
    rating = 2.0 + ability[candidate] - shift + rng.normal(0.0, 0.5, interviewer.size)
    return CalibrationInputs.from_lists(
        rating=np.clip(rating, 0.0, 4.0),
        interviewer=interviewer,
        candidate=candidate,
        criterion=criterion,
        question=criterion,
        session=candidate * 100 + interviewer,
        loop=candidate,
        submitted_day=day,
    )


def test_planted_jump_is_flagged_and_measured() -> None:
    drift = {row["id"]: row for row in build_report(_ratings_with_drift(jump=0.6))["drift"]}
    assert set(drift) == set(range(1, 13))
    jumped = drift[1]
    assert jumped["drifting"] is True
    q1, q2 = jumped["periods"]
    assert (q1["period"], q2["period"]) == ("2026-Q1", "2026-Q2")
    assert q1["ratings"] == q2["ratings"] == 450
    # Each quarter moves half the jump from the interviewer's overall severity, in opposite
    # directions (equal ratings per quarter), so Q2 - Q1 recovers the planted 0.6 (clipping at 0
    # and 4 shrinks it a little) within 3 standard errors.
    difference = q2["severity"] - q1["severity"]
    assert abs(difference - 0.6) < 3 * np.hypot(q1["move_se"], q2["move_se"])
    assert abs(q1["move"] + q2["move"]) < 1e-9


def test_stable_interviewers_are_rarely_flagged() -> None:
    drift = build_report(_ratings_with_drift(jump=0.0))["drift"]
    flagged = [row["id"] for row in drift if row["drifting"]]
    # A 2 SE rule flags ~5% of stable periods by chance: at most 2 of 12 interviewers here.
    assert len(flagged) <= 2
    for row in drift:
        for period in row["periods"]:
            assert period["severity_se"] > period["move_se"] > 0


def test_one_period_is_never_drifting() -> None:
    inputs = _ratings_with_drift(jump=0.6)
    same_day = CalibrationInputs.from_lists(
        rating=inputs.rating,
        interviewer=inputs.interviewer,
        candidate=inputs.candidate,
        criterion=inputs.criterion,
        question=inputs.question,
        session=inputs.session,
        loop=inputs.loop,
        submitted_day=np.full(inputs.rating.size, _day(2026, 2, 10)),
    )
    drift = build_report(same_day)["drift"]
    assert all(not row["drifting"] and len(row["periods"]) == 1 for row in drift)
    assert all(abs(row["periods"][0]["move"]) < 1e-9 for row in drift)


def _balanced_two_quarters() -> CalibrationInputs:
    """3 interviewers x 2 quarters; in each quarter all three rate the same 2 candidates on the
    same 2 criteria (a complete, balanced layout), so the least-squares estimates are means."""
    # (quarter day, candidate, interviewer) -> ratings on criteria 1 and 2
    table = {
        (_day(2026, 2, 1), 1, 1): (3, 2),
        (_day(2026, 2, 1), 2, 1): (4, 3),
        (_day(2026, 2, 1), 1, 2): (2, 2),
        (_day(2026, 2, 1), 2, 2): (3, 3),
        (_day(2026, 2, 1), 1, 3): (1, 2),
        (_day(2026, 2, 1), 2, 3): (2, 3),
        (_day(2026, 5, 1), 3, 1): (2, 2),
        (_day(2026, 5, 1), 4, 1): (3, 3),
        (_day(2026, 5, 1), 3, 2): (3, 2),
        (_day(2026, 5, 1), 4, 2): (3, 4),
        (_day(2026, 5, 1), 3, 3): (2, 1),
        (_day(2026, 5, 1), 4, 3): (2, 3),
    }
    rows = [
        (day, candidate, interviewer, criterion + 1, value)
        for (day, candidate, interviewer), values in table.items()
        for criterion, value in enumerate(values)
    ]
    day, candidate, interviewer, criterion, rating = (np.array(c) for c in zip(*rows, strict=True))
    return CalibrationInputs.from_lists(
        rating=rating.astype(float),
        interviewer=interviewer,
        candidate=candidate,
        criterion=criterion,
        question=np.ones(rating.size, dtype=int),
        session=candidate * 10 + interviewer,
        loop=candidate,
        submitted_day=day,
    )


def test_balanced_layout_gives_the_textbook_means_and_standard_errors() -> None:
    # In a complete balanced layout the effects are orthogonal and the least-squares estimates
    # are differences of means (Scheffe 1959, The Analysis of Variance, section 4.1): the
    # severity of interviewer i in quarter p is (quarter mean) - (i's mean in p). By hand:
    # Q1 means A 3.0, B 2.5, C 2.0 (quarter 2.5); Q2 means A 2.5, B 3.0, C 2.0 (quarter 2.5).
    inputs = _balanced_two_quarters()
    drift = {row["id"]: row for row in build_report(inputs)["drift"]}
    expected_severity = {1: (-0.5, 0.0), 2: (0.0, -0.5), 3: (0.5, 0.5)}
    # Equal ratings per quarter: the overall severity is the plain mean of the two, the move
    # each quarter's distance from it.
    expected_move = {1: (-0.25, 0.25), 2: (0.25, -0.25), 3: (0.0, 0.0)}
    for interviewer, severities in expected_severity.items():
        periods = drift[interviewer]["periods"]
        assert [p["period"] for p in periods] == ["2026-Q1", "2026-Q2"]
        assert [p["severity"] for p in periods] == pytest.approx(severities, abs=1e-9)
        assert [p["move"] for p in periods] == pytest.approx(expected_move[interviewer], abs=1e-9)

    # sigma^2 = RSS / df from the closed-form fit: fitted = candidate mean + (interviewer's
    # quarter mean - quarter mean) + (criterion mean - grand mean); df = 24 ratings - (4
    # candidates + 1 criterion contrast + 2 x 2 interviewer contrasts) = 15.
    y = inputs.rating
    cell = inputs.interviewer * 10 + inputs.candidate // 3  # interviewer x quarter
    quarter = inputs.candidate // 3

    def mean_by(key: np.ndarray) -> np.ndarray:
        _, code = np.unique(key, return_inverse=True)
        return (np.bincount(code, weights=y) / np.bincount(code))[code]

    fitted = mean_by(inputs.candidate) + mean_by(cell) - mean_by(quarter)
    fitted += mean_by(inputs.criterion) - y.mean()
    sigma2 = float(((y - fitted) ** 2).sum()) / 15
    # Var(mean_ip - mean_p) = sigma^2 / (2 candidates x 2 criteria) x (1 - 1/3 interviewers);
    # quarters share no candidate, so Var(move) = Var((sev_1 - sev_2) / 2) = that / 2.
    severity_se = np.sqrt(sigma2 / 4 * (2 / 3))
    for row in drift.values():
        for period in row["periods"]:
            assert period["severity_se"] == pytest.approx(severity_se, rel=1e-9)
            assert period["move_se"] == pytest.approx(severity_se / np.sqrt(2), rel=1e-9)


def _simulated_quarters(
    planted: dict[tuple[int, int], float], seed: int
) -> tuple[CalibrationInputs, np.ndarray]:
    """40 interviewers over 4 quarters; each quarter 300 new candidates, each seen by 3 of the
    interviewers on 4 criteria; severity s_i + the planted move d[i, quarter] (default 0).
    Returns the inputs and the planted severity table (interviewers x quarters)."""
    rng = np.random.default_rng(seed)
    interviewers, quarters, per_quarter, criteria = 40, 4, 300, 4
    table = rng.normal(0.0, 0.3, interviewers)[:, None] + np.zeros((1, quarters))
    for (i, q), move in planted.items():
        table[i, q] += move
    easiness = rng.normal(0.0, 0.2, criteria)
    days = [_day(2026, 1, 15), _day(2026, 4, 15), _day(2026, 7, 15), _day(2026, 10, 15)]
    columns: list[list[np.ndarray]] = [[], [], [], [], []]
    for q in range(quarters):
        candidate = q * per_quarter + np.arange(per_quarter)
        panel = np.stack([rng.choice(interviewers, 3, replace=False) for _ in candidate])
        c = np.repeat(candidate, 3 * criteria)
        i = np.repeat(panel.reshape(-1), criteria)
        j = np.tile(np.arange(criteria), candidate.size * 3)
        ability = rng.normal(0.0, 0.3, candidate.size)[c - q * per_quarter]
        noise = rng.normal(0.0, 0.35, c.size)
        columns[0].append(2.0 + ability + easiness[j] - table[i, q] + noise)
        columns[1].append(i + 1)
        columns[2].append(c + 1)
        columns[3].append(j + 1)
        columns[4].append(np.full(c.size, days[q]))
    rating, interviewer, candidate, criterion, day = (np.concatenate(c) for c in columns)
    inputs = CalibrationInputs.from_lists(
        rating=np.clip(rating, 0.0, 4.0),
        interviewer=interviewer,
        candidate=candidate,
        criterion=criterion,
        question=criterion,
        session=candidate * 100 + interviewer,
        loop=candidate,
        submitted_day=day,
    )
    return inputs, table


def _errors_in_standard_errors(
    drift: list[dict], inputs: CalibrationInputs, table: np.ndarray
) -> np.ndarray:
    """(estimate - truth) / SE of every period's severity and move, with the truth put under
    the same constraints: severity relative to the quarter's average interviewer, moves from
    the interviewer's rating-weighted mean."""
    relative = table - table.mean(axis=0, keepdims=True)
    errors = []
    for row in drift:
        i = row["id"] - 1
        periods = row["periods"]
        quarters = [int(p["period"][-1]) - 1 for p in periods]
        weight = np.array([p["ratings"] for p in periods], dtype=float)
        truth = relative[i, quarters]
        true_move = truth - (weight @ truth) / weight.sum()
        for period, severity, move in zip(periods, truth, true_move, strict=True):
            errors.append((period["severity"] - severity) / period["severity_se"])
            errors.append((period["move"] - move) / period["move_se"])
    return np.array(errors)


def test_planted_moves_are_recovered_within_their_standard_errors() -> None:
    planted = {(0, 2): 0.6, (1, 3): -0.5, (2, 1): 0.4, (3, 0): -0.45}
    inputs, table = _simulated_quarters(planted, seed=21)
    drift = build_report(inputs)["drift"]
    flagged = {row["id"] - 1 for row in drift if row["drifting"]}
    assert {0, 1, 2, 3} <= flagged
    errors = _errors_in_standard_errors(drift, inputs, table)
    # Calibrated standard errors: (estimate - truth) / SE behaves like N(0, 1): about 95% within
    # 2 and mean |z| = sqrt(2 / pi) = 0.80. Too small SEs inflate both, too large shrink them.
    assert np.mean(np.abs(errors) < 2.0) >= 0.9
    assert 0.65 < np.mean(np.abs(errors)) < 0.95


def test_no_drift_is_flagged_no_more_often_than_the_2_se_rule_expects() -> None:
    inputs, table = _simulated_quarters({}, seed=22)
    drift = build_report(inputs)["drift"]
    periods = [p for row in drift for p in row["periods"]]
    moved = [abs(p["move"]) > 2 * p["move_se"] for p in periods]
    # P(|z| > 2) = 4.55% under N(0, 1); allow three binomial standard deviations above it.
    expected = 0.0455
    bound = expected + 3 * np.sqrt(expected * (1 - expected) / len(periods))
    assert len(periods) == 160
    assert np.mean(moved) <= bound
    errors = _errors_in_standard_errors(drift, inputs, table)
    assert 0.65 < np.mean(np.abs(errors)) < 0.95


# With the database -----------------------------------------------------------------------


@pytest.mark.django_db
def test_month_granularity_is_accepted_and_used(recruiter, client_for):
    synthetic_hiring_data(candidates=30, interviewers=10, seed=5)
    report = succeeded_report(client_for(recruiter), {"granularity": "month"})

    assert report.filters == {"granularity": "month"}
    periods = {p["period"] for row in report.result["drift"] for p in row["periods"]}
    assert periods and all(len(period) == 7 and period[4] == "-" for period in periods)

    response = client_for(recruiter).get(report_url(report.pk, "chart.png"), {"kind": "drift"})
    assert response.status_code == 200
    assert response.content[:8] == PNG_SIGNATURE


@pytest.mark.django_db
def test_unknown_granularity_is_a_400(recruiter, client_for):
    response = request_report(client_for(recruiter), {"granularity": "week"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": 'filters.granularity: Use "quarter" or "month", not "week".',
        "fields": {"filters.granularity": ['Use "quarter" or "month", not "week".']},
    }


def test_period_block_inverse_is_a_generalized_inverse_even_when_singular() -> None:
    # A connected period block (the Laplacian of a path: null space the constant) and one of
    # two unlinked pairs (two constants): G with B G B = B either way (Searle 1971, 1.1).
    path = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 1.0]])
    pairs = np.kron(np.eye(2), np.array([[1.0, -1.0], [-1.0, 1.0]]))
    for block in (path, pairs):
        inverse = _inverse_with_constant_fixed(block)
        assert np.allclose(block @ inverse @ block, block)
    # The connected case is the exact inverse of B + gamma 11', gamma = trace / size^2 = 4 / 9.
    assert np.allclose(_inverse_with_constant_fixed(path), np.linalg.inv(path + 4 / 9))
