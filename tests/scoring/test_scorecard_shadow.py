"""Trainees' shadow scorecards (API.md additions, Interviewer pools): only the session's
trainees write them, they are blind like everyone who sits in the loop, and they never count
toward the loop's completion, its decision or the report's main statistics."""

import pytest
from django.contrib.auth.models import Group

from interviews.models import Loop, SessionTrainee
from scoring.calibration.trainees import TraineeInputs, trainee_calibration
from scoring.scorecards.models import Scorecard
from tests.factories import UserFactory, rated_session
from tests.scoring.calibration_report_helpers import succeeded_report
from tests.scoring.trainee_reference import RatingRow, trainee_calibration_reference

pytestmark = pytest.mark.django_db

URL = "/api/v1/scorecards/"


@pytest.fixture
def session_with_trainee(interviewer, other_interviewer):
    """Ivan scores a session of a scheduled loop; Olga sits in it as a shadow trainee."""
    plan = rated_session(interviewers=[interviewer], criteria_per_question=1)
    SessionTrainee.objects.create(
        session=plan.session, loop=plan.loop, trainee=other_interviewer, stage="shadow"
    )
    return plan


def _submit(client, plan, **overrides):
    return client.post(URL, plan.body(**overrides), format="json")


# --- the attacker's tests first -----------------------------------------------------------------


def test_an_interviewer_not_among_the_trainees_cannot_submit_a_shadow_scorecard(
    session_with_trainee, client_for
):
    stranger = UserFactory(username="tom_interviewer")
    stranger.groups.add(Group.objects.get_or_create(name="interviewer")[0])
    response = _submit(client_for(stranger), session_with_trainee)
    assert response.status_code == 403
    assert response.json()["code"] == "not_session_interviewer"
    assert not Scorecard.objects.exists()


def test_a_trainee_cannot_see_peers_scorecards_before_submitting(
    session_with_trainee, client_for, interviewer, other_interviewer
):
    ivan_card = _submit(client_for(interviewer), session_with_trainee).json()["id"]
    trainee = client_for(other_interviewer)
    assert trainee.get(f"{URL}{ivan_card}/").status_code == 404
    assert trainee.get(URL).json()["count"] == 0
    assert _submit(trainee, session_with_trainee).status_code == 201
    assert trainee.get(f"{URL}{ivan_card}/").status_code == 200


def test_a_trainee_on_the_jobs_team_is_blind_too(
    session_with_trainee, client_for, interviewer, hiring_manager
):
    from interviews.models import JobTeamMember

    job = session_with_trainee.loop.template.job
    JobTeamMember.objects.create(job=job, user=hiring_manager, role="hiring_manager")
    SessionTrainee.objects.filter(loop=session_with_trainee.loop).update(trainee=hiring_manager)
    ivan_card = _submit(client_for(interviewer), session_with_trainee).json()["id"]
    assert client_for(hiring_manager).get(f"{URL}{ivan_card}/").status_code == 404


# --- shadows never gate the loop ----------------------------------------------------------------


def test_a_shadow_scorecard_is_marked_and_does_not_complete_the_loop(
    session_with_trainee, client_for, interviewer, other_interviewer
):
    response = _submit(client_for(other_interviewer), session_with_trainee)
    assert response.status_code == 201
    assert response.json()["shadow"] is True
    assert Loop.objects.get(pk=session_with_trainee.loop.pk).status == "scheduled"
    ivan = _submit(client_for(interviewer), session_with_trainee)
    assert ivan.json()["shadow"] is False
    assert Loop.objects.get(pk=session_with_trainee.loop.pk).status == "completed"


def test_the_loop_completes_without_the_trainees_scorecard(
    session_with_trainee, client_for, interviewer, hiring_manager
):
    assert _submit(client_for(interviewer), session_with_trainee).status_code == 201
    assert Loop.objects.get(pk=session_with_trainee.loop.pk).status == "completed"


# --- the report --------------------------------------------------------------------------------


def test_the_report_keeps_shadows_apart(
    session_with_trainee, client_for, interviewer, other_interviewer, recruiter
):
    plan = session_with_trainee
    _submit(client_for(interviewer), plan, ratings=plan.ratings(3))
    _submit(client_for(other_interviewer), plan, ratings=plan.ratings(1))

    result = succeeded_report(client_for(recruiter)).result

    assert result["summary"]["scorecards"] == 1
    assert {row["id"] for row in result["interviewers"]} == {interviewer.pk}
    assert result["trainees"] == [
        {
            "interviewer": other_interviewer.pk,
            "username": "olga_interviewer",
            "sessions": 1,
            "comparisons": 2,
            "severity": -2.0,
            "agreement": 0.0,
        }
    ]


def test_trainee_severity_and_agreement_on_a_worked_example():
    """Session 1: the panel (cards 1 and 2) scores question 10 at 3 and 2 (mean 2.5) and
    question 20 at 4; the trainee (card 3) at 2 and 1. Question 10 has two criteria weighted 1
    and 3: the trainee's 1 and 2.333... average to (1*1 + 3*2.333...)/4 = 2. Differences -0.5
    and -3: severity -1.75, one of two within a rating point: agreement 0.5."""
    rows = [
        RatingRow(1, 101, 1, 10, 3, 1.0, False),
        RatingRow(2, 102, 1, 10, 2, 1.0, False),
        RatingRow(1, 101, 1, 20, 4, 1.0, False),
        RatingRow(3, 900, 1, 10, 1, 1.0, True),
        RatingRow(3, 900, 1, 10, 7 / 3, 3.0, True),
        RatingRow(3, 900, 1, 20, 1, 1.0, True),
        # A trainee alone in a session: no panel to compare with.
        RatingRow(4, 901, 2, 30, 2, 1.0, True),
    ]
    usernames = {900: "tina", 901: "theo"}
    result = trainee_calibration(TraineeInputs.from_rows(rows, usernames))
    assert trainee_calibration_reference(rows, usernames) == result
    assert result[1]["username"] == "tina"
    assert result[1]["severity"] == pytest.approx(-1.75)
    assert result[1]["agreement"] == 0.5
    assert (result[1]["sessions"], result[1]["comparisons"]) == (1, 2)
    assert result[0] == {
        "interviewer": 901,
        "username": "theo",
        "sessions": 0,
        "comparisons": 0,
        "severity": None,
        "agreement": None,
    }
