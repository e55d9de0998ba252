"""Calibration, second edition: variance components, the decision study and their chart.

The statistics themselves are checked against Brennan (2001) in test_variance_components.py;
here: the report reproduces them from `CalibrationInputs`, question scores use the criterion
weights, the loader reads weights and submission days, and chart.png?kind=variance.
"""

import datetime as dt
import struct

import numpy as np
import pytest

from questionbank.models import RubricCriterion
from scoring.calibration import CalibrationInputs, build_report
from scoring.calibration.report import question_scores
from scoring.reports.selectors import CalibrationScope, calibration_inputs_load
from scoring.scorecards.models import CriterionRating
from tests.scoring.calibration_report_helpers import (
    report_url,
    succeeded_report,
    synthetic_hiring_data,
)
from tests.scoring.gtheory_reference_data import SYNTHETIC_4

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _brennan_4_inputs() -> CalibrationInputs:
    """Synthetic data set No. 4 as scorecards: person = candidate, task = question (one
    criterion each), rater = interviewer (12, each nested in one task), one session per person
    and rater. Scores 1-9 are mapped to our 0-4 scale by (x - 1) / 2, which divides every
    variance component by 4 and leaves E rho^2 and Phi unchanged."""
    table = np.array(SYNTHETIC_4, dtype=np.float64)
    person, rater = (axis.ravel() for axis in np.indices(table.shape))
    task = rater // 4
    return CalibrationInputs.from_lists(
        rating=(table.ravel() - 1.0) / 2.0,
        interviewer=rater + 100,
        candidate=person + 1,
        criterion=task + 10,
        question=task + 20,
        session=person * 100 + rater,
        loop=person + 1,
    )


def test_report_reproduces_brennan_4_components_and_decision_study() -> None:
    report = build_report(_brennan_4_inputs())
    components = report["variance_components"]
    published = {  # Brennan (2001) No. 4; x 4 undoes the (x - 1) / 2 rescaling
        "candidate": 0.4731,
        "question": 0.3252,
        "interviewer": 0.6475,
        "candidate_question": 0.5596,
        "residual": 2.3802,
    }
    assert {name: round(4 * components[name], 4) for name in published} == published
    assert components["notes"] == []
    assert components["question_scores"] == 120
    assert "Henderson's method I" in components["method"]
    assert round(sum(components["shares"].values()), 12) == 1.0
    study = {(row["questions"], row["interviewers"]): row for row in report["decision_study"]}
    assert len(study) == 32
    assert round(study[3, 4]["generalizability"], 2) == 0.55
    assert round(study[3, 4]["dependability"], 2) == 0.46
    assert round(study[3, 1]["generalizability"], 3) == 0.326
    assert round(study[6, 1]["dependability"], 3) == 0.420
    # The team's loop: 3 questions per candidate, 4 interviewers per candidate x question.
    assert report["decision_advice"].startswith(
        "From 3 questions with 4 interviewers each (generalizability 0.551), one more question"
    )


def test_question_score_is_the_weighted_mean_of_its_criteria() -> None:
    # One scorecard (session 1, interviewer 7) rates question 5 on criteria 50 (weight 1, rating
    # 4) and 51 (weight 3, rating 0): (1 x 4 + 3 x 0) / 4 = 1. Question 6 (one criterion): 2.
    inputs = CalibrationInputs.from_lists(
        rating=[4, 0, 2],
        interviewer=[7, 7, 7],
        candidate=[1, 1, 1],
        criterion=[50, 51, 60],
        question=[5, 5, 6],
        session=[1, 1, 1],
        loop=[1, 1, 1],
        weight=[1.0, 3.0, 2.0],
    )
    scores = question_scores(inputs)
    assert scores.score.tolist() == [1.0, 2.0]
    assert scores.question.tolist() == [0, 1]  # codes of questions 5 and 6


def test_too_few_scores_give_no_components_and_say_so() -> None:
    inputs = CalibrationInputs.from_lists(
        rating=[3],
        interviewer=[1],
        candidate=[1],
        criterion=[1],
        question=[1],
        session=[1],
        loop=[1],
    )
    report = build_report(inputs)
    assert report["variance_components"]["candidate"] is None
    assert report["variance_components"]["notes"] == ["fewer than two scores"]
    assert report["decision_study"] == []
    assert report["decision_advice"] is None


def test_a_criterion_weight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="weight"):
        CalibrationInputs.from_lists(
            rating=[3],
            interviewer=[1],
            candidate=[1],
            criterion=[1],
            question=[1],
            session=[1],
            loop=[1],
            weight=[0.0],
        )


# With the database -----------------------------------------------------------------------


@pytest.mark.django_db
def test_loader_reads_criterion_weights_and_submission_days() -> None:
    synthetic_hiring_data(candidates=6, interviewers=8, seed=2)
    rated = CriterionRating.objects.filter(scorecard__status="submitted").select_related(
        "scorecard"
    )
    criterion = rated.first().criterion
    RubricCriterion.objects.filter(pk=criterion.pk).update(weight=2.5)

    inputs = calibration_inputs_load(scope=CalibrationScope())

    heavy = inputs.criterion == criterion.pk
    assert heavy.any()
    assert (inputs.weight[heavy] == 2.5).all()
    others = RubricCriterion.objects.filter(id__in=inputs.criterion[~heavy].tolist())
    expected = dict(others.values_list("id", "weight"))
    assert inputs.weight[~heavy].tolist() == [expected[c] for c in inputs.criterion[~heavy]]
    epoch = dt.date(1970, 1, 1)
    day_of_card = {
        (r.scorecard.session_id, r.scorecard.interviewer_id, r.criterion_id): (
            r.scorecard.submitted_at.astimezone(dt.UTC).date() - epoch
        ).days
        for r in rated
    }
    loaded = zip(
        inputs.session.tolist(),
        inputs.interviewer.tolist(),
        inputs.criterion.tolist(),
        inputs.submitted_day.tolist(),
        strict=True,
    )
    assert {(s, i, c): day for s, i, c, day in loaded} == day_of_card


@pytest.fixture
def report(db, recruiter, client_for):
    synthetic_hiring_data(candidates=30, interviewers=10, seed=5)
    return succeeded_report(client_for(recruiter))


def test_stored_result_has_components_decision_study_and_advice(report):
    components = report.result["variance_components"]
    assert set(components) == {
        "candidate",
        "question",
        "interviewer",
        "candidate_question",
        "residual",
        "shares",
        "question_scores",
        "method",
        "notes",
    }
    assert components["question_scores"] > 0
    assert len(report.result["decision_study"]) == 32
    assert report.result["decision_advice"].startswith("From ")


def test_variance_chart_is_a_png(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "chart.png"), {"kind": "variance"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", response.content[16:24])
    assert (width, height) == (1100, 460)
    default = client_for(recruiter).get(report_url(report.pk, "chart.png"))
    assert struct.unpack(">II", default.content[16:24])[0] == 1000  # the severity chart


def test_unknown_chart_kind_is_a_400_saying_which_to_use(report, recruiter, client_for):
    response = client_for(recruiter).get(report_url(report.pk, "chart.png"), {"kind": "pie"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "unknown_chart_kind",
        "message": "Unknown chart kind 'pie'; use kind=severity, kind=variance, kind=drift.",
        "fields": {"kind": ["Use one of: severity, variance, drift."]},
    }
