"""POST /api/v1/levels/ and /api/v1/competencies/: a new slug and name, or a 400 naming which."""

import pytest

from questionbank.models import Competency, Level
from tests.factories import CompetencyFactory, LevelFactory

pytestmark = pytest.mark.django_db

CASES = {
    "levels": (Level, LevelFactory, {"order": 9}, "level"),
    "competencies": (Competency, CompetencyFactory, {"description": ""}, "competency"),
}


@pytest.fixture(params=sorted(CASES))
def kind(request):
    model, factory, extra, noun = CASES[request.param]
    factory(slug="existing", name="Existing One")
    return request.param, model, extra, noun


def test_a_new_slug_and_name_are_created(kind, client_for, hiring_manager):
    path, model, extra, _ = kind
    response = client_for(hiring_manager).post(
        f"/api/v1/{path}/", {"slug": "fresh", "name": "Fresh", **extra}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "fresh"
    assert model.objects.filter(slug="fresh", name="Fresh").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"slug": "existing", "name": "Other"}, "slug", "with slug 'existing' already exists."),
        ({"slug": "other", "name": "EXISTING one"}, "name", "named 'EXISTING one' already exists."),
    ],
)
def test_a_taken_slug_or_name_is_a_400_naming_the_field(
    kind, client_for, hiring_manager, body, field, message
):
    path, model, extra, noun = kind
    response = client_for(hiring_manager).post(f"/api/v1/{path}/", {**body, **extra}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"][field] == [f"A {noun} {message}"]
    assert model.objects.count() == 1
