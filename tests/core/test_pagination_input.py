"""?page= and ?page_size= on every paginated list: a whole number from 1, or a 400 saying so."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/loops/", "/api/v1/loop-templates/", "/api/v1/scorecards/", "/api/v1/jobs/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize("raw", ["", "0", "-1", "abc", "1.5", "²", "٣"])
def test_a_page_parameter_that_is_not_a_whole_number_from_1_is_a_400(
    client_for, admin_user, path, name, raw
):
    response = client_for(admin_user).get(path, {name: raw})
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": f"{name} must be a whole number of at least 1, got {raw!r}.",
        "fields": {name: ["Must be a whole number of at least 1."]},
    }


@pytest.mark.parametrize("path", LISTS)
def test_page_1_and_a_page_size_above_the_cap_are_accepted(client_for, admin_user, path):
    response = client_for(admin_user).get(path, {"page": "1", "page_size": "1000"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("path", LISTS)
def test_a_page_number_of_thousands_of_digits_is_past_the_last_page_not_a_500(
    client_for, admin_user, path
):
    client = client_for(admin_user)
    assert client.get(path, {"page": "9" * 5000}).status_code == 404
    assert client.get(path, {"page_size": "9" * 5000}).status_code == 200
