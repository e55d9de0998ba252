"""Statistics read each scorecard's first submitted revision (API.md, Calibration, second edition).

The attack they defeat: submit a placeholder, read a peer's scorecard, amend to match it, and so
look perfectly calibrated. Figures below are computed by hand from the tiny data set.
"""

import csv
import io

import pytest

from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision
from tests.factories import RubricCriterionFactory, rated_session
from tests.scoring.calibration_report_helpers import report_url, succeeded_report

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


def _ratings(plan, values) -> list[dict]:
    return [
        {"criterion": c.pk, "rating": v, "note": ""}
        for c, v in zip(plan.criteria, values, strict=True)
    ]


def _submit(client, plan, values, recommendation) -> int:
    body = plan.body(ratings=_ratings(plan, values), overall_recommendation=recommendation)
    response = client.post(SCORECARDS_URL, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def gamed_loop(interviewer, other_interviewer, client_for):
    """Ivan submits a placeholder (4, 2; strong_yes), reads Olga's card (1, 2; no), and amends
    his to match her: the criterion rated 2 is retired and withdrawn, the one rated 4 becomes 1,
    and a criterion added since is rated 0."""
    ivan = rated_session(interviewers=[interviewer], questions=1, criteria_per_question=2)
    olga = rated_session(
        interviewers=[other_interviewer], loop=ivan.loop, questions=1, criteria_per_question=2
    )
    ivan_client = client_for(interviewer)
    ivan_card = _submit(ivan_client, ivan, (4, 2), "strong_yes")
    olga_card = _submit(client_for(other_interviewer), olga, (1, 2), "no")
    assert ivan_client.get(f"{SCORECARDS_URL}{olga_card}/").status_code == 200
    kept, retired = ivan.criteria
    retired.is_active = False
    retired.save()
    added = RubricCriterionFactory(question=ivan.questions[0], order=9)
    response = ivan_client.post(
        f"{SCORECARDS_URL}{ivan_card}/amend/",
        {
            "reason": "Agree with the panel.",
            "overall_recommendation": "no",
            "ratings": [
                {"criterion": kept.pk, "rating": 1, "note": ""},
                {"criterion": added.pk, "rating": 0, "note": ""},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return ivan_card, olga_card


def test_report_uses_the_first_submission_and_counts_the_amendment_after_a_peer_view(
    gamed_loop, interviewer, other_interviewer, recruiter, client_for
):
    ivan_card, _ = gamed_loop
    # What the scorecard says now is the amended judgment...
    current = sorted(
        CriterionRating.objects.filter(scorecard_id=ivan_card, withdrawn=False).values_list(
            "rating", flat=True
        )
    )
    assert current == [0, 1]
    assert Scorecard.objects.get(pk=ivan_card).overall_recommendation == "no"
    assert ScorecardRevision.objects.get().author_could_read_peers is True

    result = succeeded_report(client_for(recruiter)).result

    rows = {row["id"]: row for row in result["interviewers"]}
    ivan, olga = rows[interviewer.pk], rows[other_interviewer.pk]
    # ...the report reads the first: Ivan (4, 2) mean 3, sample SD sqrt(((4-3)^2+(2-3)^2)/1).
    assert (ivan["ratings"], ivan["mean_rating"]) == (2, 3.0)
    assert ivan["sd_rating"] == pytest.approx(2**0.5)
    assert ivan["recommendation_counts"] == {"strong_no": 0, "no": 0, "yes": 0, "strong_yes": 1}
    assert ivan["amended_after_peer_view"] == 1
    assert (olga["ratings"], olga["mean_rating"], olga["amended_after_peer_view"]) == (2, 1.5, 0)
    assert result["summary"]["ratings"] == 4
    assert result["summary"]["scorecards"] == 2


def test_csv_shows_amended_after_peer_view(gamed_loop, interviewer, recruiter, client_for):
    report = succeeded_report(client_for(recruiter))

    response = client_for(recruiter).get(report_url(report.pk, "export/"), {"format": "csv"})

    rows = {int(r["interviewer_id"]): r for r in csv.DictReader(io.StringIO(response.text))}
    assert rows[interviewer.pk]["amended_after_peer_view"] == "1"
    assert rows[interviewer.pk]["mean_rating"] == "3.0000"


def test_an_amendment_before_any_peer_submitted_is_not_counted(
    interviewer, other_interviewer, recruiter, client_for
):
    ivan = rated_session(interviewers=[interviewer], questions=1, criteria_per_question=1)
    olga = rated_session(
        interviewers=[other_interviewer], loop=ivan.loop, questions=1, criteria_per_question=1
    )
    ivan_client = client_for(interviewer)
    card = _submit(ivan_client, ivan, (2,), "yes")
    amended = ivan_client.post(
        f"{SCORECARDS_URL}{card}/amend/",
        {"reason": "Misclick.", "ratings": _ratings(ivan, (3,))},
        format="json",
    )
    assert amended.status_code == 200, amended.json()
    _submit(client_for(other_interviewer), olga, (1,), "no")

    result = succeeded_report(client_for(recruiter)).result

    ivan_row = next(row for row in result["interviewers"] if row["id"] == interviewer.pk)
    # Still the first submission (2, not 3): statistics read it whoever could see what.
    assert (ivan_row["mean_rating"], ivan_row["amended_after_peer_view"]) == (2.0, 0)
