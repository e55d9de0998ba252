import pytest

from scoring.scorecards.models import Scorecard
from tests.factories import UserFactory, rated_session, scorecard_in

SCORECARDS_URL = "/api/v1/scorecards/"

pytestmark = pytest.mark.django_db


def _loops_with_submitted_scorecards(count: int) -> list[Scorecard]:
    cards = []
    for index in range(count):
        author = UserFactory(username=f"panelist{index}")
        plan = rated_session(interviewers=[author], questions=2, criteria_per_question=3)
        cards.append(scorecard_in(plan, interviewer=author, submitted=True))
    return cards


def test_list_filters_by_loop_session_interviewer_and_status(
    interviewer, other_interviewer, recruiter, client_for
):
    first = rated_session(interviewers=[interviewer])
    second = rated_session(interviewers=[other_interviewer], loop=first.loop)
    elsewhere = rated_session(interviewers=[interviewer])
    a = scorecard_in(first, interviewer=interviewer, submitted=True)
    b = scorecard_in(second, interviewer=other_interviewer, submitted=True)
    c = scorecard_in(elsewhere, interviewer=interviewer, submitted=True)
    client = client_for(recruiter)

    def ids(query: str) -> list[int]:
        response = client.get(f"{SCORECARDS_URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"loop={first.loop.pk}") == [a.pk, b.pk]
    assert ids(f"session={second.session.pk}") == [b.pk]
    assert ids(f"interviewer={interviewer.pk}") == [a.pk, c.pk]
    assert ids("status=submitted") == [a.pk, b.pk, c.pk]
    assert ids("status=draft") == []
    assert ids(f"loop={first.loop.pk}&interviewer={interviewer.pk}") == [a.pk]


def test_list_rows_are_whole_scorecards(interviewer, client_for):
    plan = rated_session(interviewers=[interviewer], questions=1, criteria_per_question=2)
    card = scorecard_in(plan, interviewer=interviewer, submitted=False, rating=2)

    body = client_for(interviewer).get(SCORECARDS_URL).json()

    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    row = body["results"][0]
    assert row["id"] == card.pk
    assert row["ratings"] == [
        {"criterion": c.pk, "question": c.question_id, "rating": 2, "note": ""}
        for c in plan.criteria
    ]


@pytest.mark.parametrize("query", ["loop=abc", "session=1.5", "status=lost"])
def test_bad_filter_is_a_400_naming_it(recruiter, client_for, query):
    response = client_for(recruiter).get(f"{SCORECARDS_URL}?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert query.split("=")[0] in response.json()["fields"]


@pytest.mark.parametrize("role", ["recruiter", "interviewer"])
def test_list_query_count_does_not_grow_with_rows(
    role, request, client_for, django_assert_max_num_queries
):
    viewer = request.getfixturevalue(role)
    _loops_with_submitted_scorecards(3)
    client = client_for(viewer)
    with django_assert_max_num_queries(5):
        small = client.get(SCORECARDS_URL)
    _loops_with_submitted_scorecards(25)

    with django_assert_max_num_queries(5):
        large = client.get(f"{SCORECARDS_URL}?page_size=200")

    assert small.status_code == large.status_code == 200
    expected = 28 if role == "recruiter" else 0
    assert large.json()["count"] == expected


def test_detail_and_history_take_a_bounded_number_of_queries(
    interviewer, client_for, django_assert_max_num_queries
):
    plan = rated_session(interviewers=[interviewer], questions=6, criteria_per_question=5)
    card = scorecard_in(plan, interviewer=interviewer, submitted=True)
    client = client_for(interviewer)

    with django_assert_max_num_queries(5):
        assert client.get(f"{SCORECARDS_URL}{card.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{SCORECARDS_URL}{card.pk}/history/").status_code == 200
