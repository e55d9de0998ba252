"""Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", worked example C: four
observers, twelve units, values 1..5 with missing data; published alpha ordinal 0.815 and interval
0.849. Entered through the whole stack: scorecards submitted through the API (values 1..5 as
ratings 0..4 on a question with one criterion, one session per unit rated by the observers who
rated that unit), the report requested through the API, run by the task, read through the API.
"""

import pytest
from django.contrib.auth.models import Group

from tests.factories import (
    InterviewSessionFactory,
    LoopFactory,
    QuestionFactory,
    RubricCriterionFactory,
    SessionInterviewerFactory,
    SessionQuestionFactory,
    UserFactory,
)
from tests.scoring.calibration_report_helpers import (
    report_url,
    request_report,
    run_report_inline,
)

pytestmark = pytest.mark.django_db

# Krippendorff (2011), p. 4: observers x units, None = no value.
RELIABILITY_DATA = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def test_report_reproduces_krippendorffs_published_ordinal_and_interval_alpha(
    recruiter, client_for
):
    interviewer_group = Group.objects.get_or_create(name="interviewer")[0]
    observers = {}
    for name in RELIABILITY_DATA:
        observers[name] = UserFactory(username=f"observer_{name.lower()}")
        observers[name].groups.add(interviewer_group)
    question = QuestionFactory(slug="krippendorff-example")
    criterion = RubricCriterionFactory(question=question, order=1)
    for unit in range(12):
        # One loop per unit: a loop asks a question once and seats an interviewer once.
        session = InterviewSessionFactory(loop=LoopFactory(), order=1)
        SessionQuestionFactory(session=session, loop=session.loop, question=question, order=1)
        raters = [name for name, values in RELIABILITY_DATA.items() if values[unit] is not None]
        for position, name in enumerate(raters, start=1):
            SessionInterviewerFactory(
                session=session, loop=session.loop, interviewer=observers[name], position=position
            )
        for name in raters:
            response = client_for(observers[name]).post(
                "/api/v1/scorecards/",
                {
                    "session": session.pk,
                    "overall_recommendation": "yes",
                    "summary": f"Unit {unit + 1}.",
                    "ratings": [
                        {"criterion": criterion.pk, "rating": RELIABILITY_DATA[name][unit] - 1}
                    ],
                    "submit": True,
                },
                format="json",
            )
            assert response.status_code == 201, response.json()
            assert response.json()["status"] == "submitted"

    client = client_for(recruiter)
    requested = request_report(client, {"questions": [question.pk]})
    assert requested.status_code == 202, requested.json()
    run_report_inline(requested.json()["id"])
    response = client.get(report_url(requested.json()["id"]))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded", body["error"]
    agreement = body["result"]["agreement"]
    assert round(agreement["criterion_alpha_ordinal"], 3) == 0.815
    assert round(agreement["criterion_alpha_interval"], 3) == 0.849
    # Units 1-11 have two or more values; unit 12 (B only) pairs with nothing.
    assert agreement["criterion_units"] == 11
    assert body["result"]["summary"] == {
        "scorecards": 41,
        "ratings": 41,
        "interviewers": 4,
        "candidates": 12,
        "sessions_multi_rated": 11,
    }
