"""Interviewer drift: severity per quarter (or month), flagged when a period moved > 2 SE.

Pure tests first (planted drift on simulated ratings, hand-derived period labels), then the
request's `granularity` filter and chart.png?kind=drift with the database.
"""

import datetime as dt

import numpy as np
import pytest

from scoring.calibration import CalibrationInputs, build_report
from scoring.calibration.drift import period_labels
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
