"""One recommendation scale: `Recommendation.score` in scoring/scorecards/models.py.

Everything else derives from it; scoring/calibration (no Django) names the same codes, and this
test holds the two together.
"""

import pytest
from django.db import connection

from scoring.calibration.inputs import HIRE_RECOMMENDATION_MIN, RECOMMENDATION_NAMES
from scoring.reports.exports import CSV_COLUMNS, RECOMMENDATIONS
from scoring.reports.selectors import _FIRST_RECOMMENDATION_SCORE_SQL
from scoring.scorecards.models import RECOMMENDATION_OPTIONS, Recommendation


def test_the_scale_runs_strong_no_1_to_strong_yes_4():
    assert {r.value: r.score for r in Recommendation} == {
        "strong_no": 1,
        "no": 2,
        "yes": 3,
        "strong_yes": 4,
    }


def test_the_statistics_read_the_same_codes_and_yes_is_the_first_hire():
    assert {r.score: r.value for r in Recommendation} == RECOMMENDATION_NAMES
    assert Recommendation.YES.score == HIRE_RECOMMENDATION_MIN
    assert all(
        r.score < HIRE_RECOMMENDATION_MIN for r in (Recommendation.STRONG_NO, Recommendation.NO)
    )


@pytest.mark.django_db
def test_the_report_sql_gives_each_recommendation_its_score():
    """The first submitted recommendation counts: an amended card keeps it apart."""
    sql = _FIRST_RECOMMENDATION_SCORE_SQL.replace("s.first_recommendation", "%s").replace(
        "s.overall_recommendation", "%s"
    )
    with connection.cursor() as cursor:
        for recommendation in Recommendation:
            cursor.execute(f"SELECT {sql}", ["", recommendation.value])
            assert cursor.fetchone() == (recommendation.score,)
            cursor.execute(f"SELECT {sql}", [recommendation.value, "strong_yes"])
            assert cursor.fetchone() == (recommendation.score,)


def test_exports_count_each_recommendation_weakest_first():
    assert RECOMMENDATIONS == ("strong_no", "no", "yes", "strong_yes")
    start = CSV_COLUMNS.index("severity_se") + 1
    assert CSV_COLUMNS[start : start + 4] == RECOMMENDATIONS


def test_messages_list_the_recommendations_weakest_first():
    assert RECOMMENDATION_OPTIONS == "strong_no, no, yes or strong_yes"


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["overall_recommendation", "first_recommendation"])
def test_the_database_refuses_a_recommendation_off_the_scale(column):
    from django.db import IntegrityError, transaction

    from tests.factories import ScorecardFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        ScorecardFactory(**{column: "hire"})
    ScorecardFactory(**{column: "yes"})  # on the scale: stored
