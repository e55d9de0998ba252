"""An attacker's pass over calibration reports: a hiring manager's report is limited to the jobs
they are on the team of (API.md additions, Hiring teams), in every section the second edition
and the pools added (trainees, drift, variance components) and in both exports.
tests/interviews/test_job_team_attacks.py holds the first edition's sections."""

import json

import pytest
from django.contrib.auth.models import Group, User

from interviews.models import SessionTrainee
from scoring.scorecards.models import Scorecard
from tests.factories import (
    JobFactory,
    LoopFactory,
    LoopTemplateFactory,
    UserFactory,
    rated_session,
    scorecard_in,
)
from tests.scoring.calibration_report_helpers import report_url, succeeded_report

pytestmark = pytest.mark.django_db


def _user(username: str, role: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _session_with_a_shadow(job, panel, trainee, rating: int) -> None:
    """A scheduled loop of `job` whose one session `panel` scored and `trainee` shadowed."""
    plan = rated_session(
        interviewers=[panel], loop=LoopFactory(template=LoopTemplateFactory(job=job))
    )
    scorecard_in(plan, interviewer=panel, submitted=True, rating=rating)
    SessionTrainee.objects.create(session=plan.session, loop=plan.loop, trainee=trainee)
    shadow = scorecard_in(plan, interviewer=trainee, submitted=True, rating=rating - 1)
    Scorecard.objects.filter(pk=shadow.pk).update(shadow=True)


@pytest.fixture
def two_jobs(hiring_manager):
    """Harry's job and Hannah's, each with its own panel interviewer and trainee."""
    harry = _user("harry_hm", "hiring_manager")
    harrys_job = JobFactory(hiring_manager=harry)
    hannahs_job = JobFactory(hiring_manager=hiring_manager)
    for _ in range(2):
        _session_with_a_shadow(
            harrys_job, _user_once("ivy_panel"), _user_once("tina_trainee"), rating=3
        )
        _session_with_a_shadow(
            hannahs_job, _user_once("olaf_panel_of_hannah"), _user_once("tom_trainee_of_hannah"), 4
        )
    return harry


def _user_once(username: str):
    return User.objects.filter(username=username).first() or _user(username, "interviewer")


HANNAHS_PEOPLE = ("olaf_panel_of_hannah", "tom_trainee_of_hannah")


def test_a_hiring_managers_report_holds_no_trainee_or_interviewer_of_another_job(
    two_jobs, client_for
):
    report = succeeded_report(client_for(two_jobs))
    result = report.result

    assert [row["username"] for row in result["trainees"]] == ["tina_trainee"]
    assert [row["username"] for row in result["interviewers"]] == ["ivy_panel"]
    assert result["summary"]["scorecards"] == 2
    text = json.dumps(result)
    for username in HANNAHS_PEOPLE:
        assert username not in text


def test_a_hiring_managers_csv_names_nobody_of_another_job(two_jobs, client_for):
    client = client_for(two_jobs)
    report = succeeded_report(client)

    response = client.get(report_url(report.pk, "export/?format=csv"))

    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    assert b"ivy_panel" in body
    for username in HANNAHS_PEOPLE:
        assert username.encode() not in body


def test_the_same_data_in_a_recruiters_report_holds_both_jobs(two_jobs, client_for, recruiter):
    """The control: the other job's people are in the data, so the tests above can fail."""
    result = succeeded_report(client_for(recruiter)).result

    assert {row["username"] for row in result["trainees"]} == {
        "tina_trainee",
        "tom_trainee_of_hannah",
    }
    assert result["summary"]["scorecards"] == 4


def test_another_hiring_managers_report_is_404_in_every_form_chart_included(
    two_jobs, client_for, hiring_manager
):
    """Harry guesses the id of Hannah's report (ids are sequential): the JSON, the CSV and the
    chart all answer 404, as for a report that does not exist."""
    hannahs = succeeded_report(client_for(hiring_manager))
    harry = client_for(two_jobs)

    answers = [
        harry.get(report_url(report_id, suffix))
        for report_id in (hannahs.pk, hannahs.pk + 1000)
        for suffix in ("", "export/?format=csv", "chart.png")
    ]

    assert [a.status_code for a in answers] == [404] * 6
    assert {a["Content-Type"] for a in answers} == {"application/json"}
    assert {a.json()["code"] for a in answers} == {"not_found"}
