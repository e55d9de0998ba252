"""Every list filter reads its value or refuses it with a 400 naming the parameter: a filter the
client sent is never silently dropped (django-filter alone ignores `?status=` and rounds 1.5)."""

import pytest

from core.filters import EMPTY_VALUE_MESSAGE
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

FILTERS = {
    "/api/v1/loops/": ["candidate", "status", "interviewer"],
    "/api/v1/loop-templates/": ["job"],
    "/api/v1/me/sessions/": ["status"],
    "/api/v1/scorecards/": ["loop", "session", "interviewer", "status"],
    "/api/v1/questions/": ["level", "competency", "is_active"],
}
CASES = [(path, name) for path, names in FILTERS.items() for name in names]
ID_FILTERS = [
    ("/api/v1/loops/", "candidate"),
    ("/api/v1/loops/", "interviewer"),
    ("/api/v1/loop-templates/", "job"),
    ("/api/v1/scorecards/", "loop"),
    ("/api/v1/scorecards/", "session"),
    ("/api/v1/scorecards/", "interviewer"),
]


@pytest.mark.parametrize(("path", "name"), CASES)
@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_filter_value_is_a_400_naming_the_parameter(
    client_for, admin_user, path, name, raw
):
    response = client_for(admin_user).get(path, {name: raw})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["fields"] == {name: [EMPTY_VALUE_MESSAGE]}


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
@pytest.mark.parametrize("raw", ["1.5", "one", "1e3"])
def test_an_id_filter_takes_whole_numbers_only(client_for, admin_user, path, name, raw):
    response = client_for(admin_user).get(path, {name: raw})
    assert response.status_code == 400
    assert response.json()["fields"] == {name: ["Enter a whole number."]}


@pytest.mark.parametrize("path", ["/api/v1/loops/", "/api/v1/scorecards/", "/api/v1/me/sessions/"])
def test_an_unknown_status_is_a_400(client_for, admin_user, path):
    response = client_for(admin_user).get(path, {"status": "pending"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["status"]


@pytest.mark.parametrize("raw", ["null", "yes", "1"])
def test_is_active_takes_true_or_false_only(client_for, admin_user, raw):
    response = client_for(admin_user).get("/api/v1/questions/", {"is_active": raw})
    assert response.status_code == 400
    assert response.json()["fields"] == {"is_active": ["Must be true or false."]}


def test_an_empty_search_lists_everything_and_filters_still_filter(client_for, interviewer):
    active = QuestionFactory(is_active=True)
    QuestionFactory(is_active=False)
    client = client_for(interviewer)
    assert client.get("/api/v1/questions/", {"search": ""}).json()["count"] == 2
    listed = client.get("/api/v1/questions/", {"is_active": "TRUE", "level": active.level_id})
    assert [q["id"] for q in listed.json()["results"]] == [active.pk]
