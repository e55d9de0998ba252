"""API.md's permission table for the question bank: every endpoint, every role."""

import pytest

from tests.factories import LevelFactory, QuestionFactory, RubricCriterionFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "interviewer", "recruiter", "hiring_manager", "admin_user"]
READERS = {"interviewer", "recruiter", "hiring_manager", "admin_user"}
WRITERS = {"hiring_manager", "admin_user"}


@pytest.fixture
def as_role(request, client_for):
    def make(role: str):
        if role == "anonymous":
            return client_for(None)
        return client_for(request.getfixturevalue(role))

    return make


@pytest.fixture
def question():
    level = LevelFactory(slug="beginner", name="Beginner", order=1)
    question = QuestionFactory(level=level)
    RubricCriterionFactory(question=question, order=1)
    return question


def expected(role: str, allowed: set[str], ok: int) -> int:
    if role == "anonymous":
        return 401
    return ok if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/api/v1/levels/", "/api/v1/competencies/", "/api/v1/questions/"])
def test_bank_lists_are_readable_by_every_role_only(as_role, role, path):
    assert as_role(role).get(path).status_code == expected(role, READERS, 200)


@pytest.mark.parametrize("role", ROLES)
def test_question_detail_is_readable_by_every_role_only(as_role, role, question):
    response = as_role(role).get(f"/api/v1/questions/{question.pk}/")
    assert response.status_code == expected(role, READERS, 200)


@pytest.mark.parametrize("role", ROLES)
def test_only_hiring_managers_and_admins_create_questions(as_role, role, question):
    body = {
        "level": "beginner",
        "prompt": f"What would a {role} ask here?",
        "hint": "Covers one thing.",
        "rubric": [{"text": "Names the thing"}],
    }
    response = as_role(role).post("/api/v1/questions/", body, format="json")
    assert response.status_code == expected(role, WRITERS, 201)


@pytest.mark.parametrize("role", ROLES)
def test_only_hiring_managers_and_admins_edit_questions(as_role, role, question):
    response = as_role(role).patch(
        f"/api/v1/questions/{question.pk}/", {"estimated_minutes": 12}, format="json"
    )
    assert response.status_code == expected(role, WRITERS, 200)


@pytest.mark.parametrize("role", ROLES)
def test_only_hiring_managers_and_admins_add_levels(as_role, role):
    body = {"slug": f"lvl-{role.replace('_', '-')}", "name": f"Level {role}", "order": 9}
    response = as_role(role).post("/api/v1/levels/", body, format="json")
    assert response.status_code == expected(role, WRITERS, 201)


@pytest.mark.parametrize("role", ROLES)
def test_only_hiring_managers_and_admins_add_competencies(as_role, role):
    body = {"slug": f"comp-{role.replace('_', '-')}", "name": f"Competency {role}"}
    response = as_role(role).post("/api/v1/competencies/", body, format="json")
    assert response.status_code == expected(role, WRITERS, 201)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_manage_users(as_role, role):
    client = as_role(role)
    assert client.get("/api/v1/users/").status_code == expected(role, {"admin_user"}, 200)
    body = {"username": f"new_{role}", "password": "a-long-password-1", "roles": ["interviewer"]}
    assert client.post("/api/v1/users/", body, format="json").status_code == expected(
        role, {"admin_user"}, 201
    )
