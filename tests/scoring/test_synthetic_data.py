"""manage.py generate_synthetic_data: realistic loops and submitted scorecards with planted truth,
and the calibration report recovers that truth."""

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from scipy.stats import spearmanr

from interviews.models import InterviewSession, Loop, SessionInterviewer, SessionQuestion
from questionbank.models import Question
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.scoring.calibration_report_helpers import succeeded_report, synthetic_hiring_data

pytestmark = pytest.mark.django_db


def test_writes_completed_loops_with_submitted_scorecards_and_decisions(tmp_path):
    path = tmp_path / "planted.json"

    synthetic_hiring_data(candidates=40, interviewers=12, seed=4, path=str(path))

    planted = json.loads(path.read_text())
    assert Question.objects.count() == 50  # the real bank was loaded first
    assert Loop.objects.count() == 40
    assert set(Loop.objects.values_list("status", flat=True)) == {"completed"}
    assert set(Loop.objects.values_list("decision", flat=True)) <= {"hire", "no_hire"}
    assert InterviewSession.objects.count() == 160
    seats = SessionInterviewer.objects.values("session").annotate(n=Count("id"))
    assert {row["n"] for row in seats} == {1, 2}  # some sessions have two interviewers
    assert SessionQuestion.objects.count() == 320
    assert Scorecard.objects.count() == SessionInterviewer.objects.count()
    assert set(Scorecard.objects.values_list("status", flat=True)) == {"submitted"}
    # Every criterion of every question of the session is rated, on the 0..4 scale.
    ratings = CriterionRating.objects.count()
    assert ratings == planted["counts"]["ratings"]
    expected = sum(
        Question.objects.get(pk=q).criteria.filter(is_active=True).count() * seats_in_session
        for q, seats_in_session in _questions_times_seats()
    )
    assert ratings == expected
    assert set(CriterionRating.objects.values_list("rating", flat=True)) <= {0, 1, 2, 3, 4}
    assert len(planted["severity"]) == 12 and len(planted["ability"]) == 40


def _questions_times_seats():
    seats = dict(
        SessionInterviewer.objects.values_list("session").annotate(n=Count("id")).order_by()
    )
    for session_id, question_id in SessionQuestion.objects.values_list("session", "question"):
        yield question_id, seats[session_id]


def test_running_again_with_the_same_seed_is_refused(tmp_path):
    synthetic_hiring_data(candidates=5, interviewers=8, seed=9, path=str(tmp_path / "a.json"))
    first = json.loads((tmp_path / "a.json").read_text())

    assert first["counts"]["ratings"] == CriterionRating.objects.count()
    with pytest.raises(CommandError, match="exist already"):
        synthetic_hiring_data(candidates=5, interviewers=8, seed=9)


def test_refuses_too_few_interviewers_for_a_loop():
    with pytest.raises(CommandError, match="--interviewers must be at least 8"):
        call_command("generate_synthetic_data", candidates=5, interviewers=3, seed=1)


def test_report_recovers_planted_severities_and_adjusts_scores_toward_ability(
    tmp_path, recruiter, client_for
):
    path = tmp_path / "planted.json"
    synthetic_hiring_data(candidates=400, interviewers=30, seed=17, path=str(path))
    planted = json.loads(path.read_text())

    result = succeeded_report(client_for(recruiter)).result

    fitted = [row for row in result["interviewers"] if row["severity"] is not None]
    assert len(fitted) == 30
    true_severity = [planted["severity"][str(row["id"])] for row in fitted]
    rho = spearmanr(true_severity, [row["severity"] for row in fitted]).statistic
    assert rho > 0.9
    candidates = [row for row in result["candidates"] if row["adjusted_score"] is not None]
    ability = np.array([planted["ability"][str(row["id"])] for row in candidates])
    raw = np.array([row["raw_mean"] for row in candidates])
    adjusted = np.array([row["adjusted_score"] for row in candidates])
    # Adjusted scores track ability more closely than raw means (both on the 0..4 scale, so
    # compare correlations, which ignore the scale's offset and spread).
    assert np.corrcoef(ability, adjusted)[0, 1] > np.corrcoef(ability, raw)[0, 1]
    # And they are closer in rating points once each is centred.
    centred_truth = ability - ability.mean()
    raw_error = np.abs((raw - raw.mean()) - centred_truth).mean()
    adjusted_error = np.abs((adjusted - adjusted.mean()) - centred_truth).mean()
    assert adjusted_error < raw_error
