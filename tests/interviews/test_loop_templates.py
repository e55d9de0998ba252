"""/api/v1/loop-templates/: quotas validated against the levels and the bank."""

import pytest

from interviews.models import LevelQuota, LoopTemplate
from tests.interviews.conftest import SEED_QUOTAS

pytestmark = pytest.mark.django_db

URL = "/api/v1/loop-templates/"


@pytest.fixture
def body(job):
    return {
        "name": "Senior onsite",
        "job": job.pk,
        "level_quotas": {"beginner": 1, "advanced": 2},
        "session_count": 2,
        "session_minutes": 45,
        "interviewers_per_session": 2,
    }


def test_hiring_manager_creates_a_template(seed_bank, client_for, hiring_manager, body, job):
    response = client_for(hiring_manager).post(URL, body, format="json")
    assert response.status_code == 201
    template = LoopTemplate.objects.get()
    assert response.json() == {
        "id": template.pk,
        "name": "Senior onsite",
        "job": job.pk,
        "level_quotas": {"beginner": 1, "advanced": 2},
        "session_count": 2,
        "session_minutes": 45,
        "interviewers_per_session": 2,
        "interviewer_pool": None,
        "trainees_per_session": 0,
        "created_at": template.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert dict(LevelQuota.objects.values_list("level_id", "count")) == {
        "beginner": 1,
        "advanced": 2,
    }


def test_a_template_may_draw_on_a_single_level(seed_bank, client_for, hiring_manager, body):
    body["level_quotas"] = {"advanced": 3}
    assert client_for(hiring_manager).post(URL, body, format="json").status_code == 201


def test_zero_quotas_are_kept_but_not_all_zero(seed_bank, client_for, hiring_manager, body):
    body["level_quotas"] = {"beginner": 0, "advanced": 2}
    response = client_for(hiring_manager).post(URL, body, format="json")
    assert response.json()["level_quotas"] == {"beginner": 0, "advanced": 2}
    body["level_quotas"] = {"beginner": 0}
    refused = client_for(hiring_manager).post(URL, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "level_quotas": [
            "The template asks for no questions; give at least one level a quota above 0."
        ]
    }


@pytest.mark.parametrize(
    "quotas, session_count, minutes, fields",
    [
        (
            {"wizardry": 1, "beginner": 1},
            2,
            45,
            {
                "level_quotas.wizardry": [
                    "There is no level 'wizardry'; use a slug from GET /api/v1/levels/."
                ]
            },
        ),
        (
            {"beginner": -1, "advanced": 2},
            2,
            45,
            {"level_quotas.beginner": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"beginner": 1},
            2,
            45,
            {
                "level_quotas": [
                    "The template asks for 1 question(s) for 2 sessions; every session needs "
                    "at least one question, so add 1 or use fewer sessions."
                ]
            },
        ),
        (
            {"beginner": 6},
            2,
            45,
            {
                "level_quotas.beginner": [
                    "Level 'beginner' has 5 active question(s) but the quota asks for 6; lower "
                    "it to 5 or add questions."
                ]
            },
        ),
        (
            {"advanced": 8},
            2,
            30,
            {
                "session_minutes": [
                    "The 8 questions need at least 84 minutes and cannot be placed in 2 "
                    "session(s) of 30 minutes; lengthen the sessions, add sessions or lower the "
                    "quotas."
                ]
            },
        ),
    ],
)
def test_invalid_quotas_are_400s_that_say_what_to_change(
    seed_bank, client_for, hiring_manager, body, quotas, session_count, minutes, fields
):
    body.update(level_quotas=quotas, session_count=session_count, session_minutes=minutes)
    response = client_for(hiring_manager).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == fields
    assert not LoopTemplate.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"session_minutes": 241}, "session_minutes"),
        ({"session_minutes": 4}, "session_minutes"),
        ({"interviewers_per_session": 5}, "interviewers_per_session"),
        ({"interviewers_per_session": 0}, "interviewers_per_session"),
        ({"session_count": 0}, "session_count"),
        ({"level_quotas": {}}, "level_quotas"),
        ({"level_quotas": [1, 2]}, "level_quotas"),
        ({"job": 999999}, "job"),
    ],
)
def test_out_of_range_fields_are_400s(seed_bank, client_for, hiring_manager, body, change, field):
    body.update(change)
    response = client_for(hiring_manager).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_patch_revalidates_the_whole_template(onsite_template, client_for, hiring_manager):
    client = client_for(hiring_manager)
    url = f"{URL}{onsite_template.pk}/"
    refused = client.patch(url, {"session_minutes": 20}, format="json")
    assert refused.status_code == 400
    assert "session_minutes" in refused.json()["fields"]
    ok = client.patch(url, {"level_quotas": {"advanced": 4}}, format="json")
    assert ok.status_code == 200
    assert ok.json()["level_quotas"] == {"advanced": 4}


@pytest.mark.parametrize("role", ["interviewer", "recruiter"])
def test_only_hiring_managers_write_templates(request, role, seed_bank, client_for, body):
    user = request.getfixturevalue(role)
    assert client_for(user).post(URL, body, format="json").status_code == 403


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "admin_user"])
def test_the_team_recruiters_and_admins_read_templates(request, role, onsite_template, client_for):
    response = client_for(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 200
    assert response.json()["results"][0]["level_quotas"] == SEED_QUOTAS


def test_an_interviewer_off_the_team_reads_no_templates(onsite_template, client_for, interviewer):
    response = client_for(interviewer).get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_outsider_cannot_read_templates(onsite_template, client_for, outsider):
    assert client_for(outsider).get(URL).status_code == 403


def test_template_list_query_count_does_not_grow(
    onsite_template, job, client_for, hiring_manager, django_assert_max_num_queries
):
    from tests.interviews.conftest import make_template

    for _ in range(15):
        make_template(job, SEED_QUOTAS)
    client = client_for(hiring_manager)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"page_size": 200, "job": job.pk})
    assert response.json()["count"] == 16


def test_a_template_in_use_cannot_be_deleted(generate, onsite_template, client_for, hiring_manager):
    generate()
    response = client_for(hiring_manager).delete(f"{URL}{onsite_template.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert LoopTemplate.objects.filter(pk=onsite_template.pk).exists()


def test_an_unused_template_is_deleted(onsite_template, client_for, hiring_manager):
    response = client_for(hiring_manager).delete(f"{URL}{onsite_template.pk}/")
    assert response.status_code == 204
    assert not LoopTemplate.objects.exists()


@pytest.mark.parametrize("key", ["begin\x00ner", "", "no spaces", "x" * 51])
def test_a_quota_key_that_cannot_be_a_level_slug_is_a_400(
    seed_bank, client_for, hiring_manager, body, key
):
    """Found by the stateful fuzzer: a NUL byte in a quota key reached PostgreSQL and was a 500
    (on PATCH and on POST)."""
    body["level_quotas"] = {key: 1, "advanced": 2}
    client = client_for(hiring_manager)
    created = client.post(URL, body, format="json")
    assert created.status_code == 400
    assert list(created.json()["fields"]) == ["level_quotas"]
    assert "slug" in created.json()["fields"]["level_quotas"][0]

    body["level_quotas"] = {"advanced": 2}
    template = client.post(URL, body, format="json").json()
    patched = client.patch(f"{URL}{template['id']}/", {"level_quotas": {key: 1}}, format="json")
    assert patched.status_code == 400
    assert list(patched.json()["fields"]) == ["level_quotas"]
