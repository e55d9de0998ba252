"""POST /api/v1/loops/: generation through the API."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interviews.models import Loop, SessionQuestion
from questionbank.models import Question
from tests.factories import CandidateFactory, UserFactory
from tests.interviews.conftest import SEED_QUOTAS, make_template

pytestmark = pytest.mark.django_db


def _questions(body):
    return [q["question"] for s in body["sessions"] for q in s["questions"]]


def test_hiring_manager_generates_a_draft_loop_with_the_whole_plan(
    generate, candidate, onsite_template, interviewer_pool
):
    response = generate()
    assert response.status_code == 201
    body = response.json()
    loop = Loop.objects.get()
    assert body["id"] == loop.pk
    assert body["candidate"] == candidate.pk
    assert body["template"] == onsite_template.pk
    assert body["status"] == "draft"
    assert body["seed"] == 7
    assert [s["order"] for s in body["sessions"]] == [1, 2, 3, 4]
    for session in body["sessions"]:
        assert set(session) == {
            "id",
            "order",
            "interviewers",
            "trainees",
            "duration_minutes",
            "scheduled_at",
            "questions",
        }
        assert session["duration_minutes"] == 60
        assert session["scheduled_at"] is None
        assert len(session["interviewers"]) == 1
        assert sum(q["estimated_minutes"] for q in session["questions"]) <= 60
        for question in session["questions"]:
            assert set(question) == {"question", "level", "order", "estimated_minutes"}
    asked = _questions(body)
    assert len(asked) == len(set(asked)) == 10
    assert body["balance"]["per_level"] == SEED_QUOTAS
    assert body["balance"]["notes"] == []
    assert len(body["balance"]["competencies_covered"]) >= 8
    seated = [u for s in body["sessions"] for u in s["interviewers"]]
    assert len(set(seated)) == 4
    assert set(seated) <= {u.pk for u in interviewer_pool}


def test_per_level_comes_back_in_the_bank_level_order_from_detail_and_list(
    generate, client_for, hiring_manager
):
    # PostgreSQL's jsonb stores the keys shortest first ("advanced" before "beginner"); the
    # API gives them easier levels first, as the bank orders them.
    created = generate().json()
    assert list(created["balance"]["per_level"]) == list(SEED_QUOTAS)
    loop_id = created["id"]
    client = client_for(hiring_manager)
    detail = client.get(f"/api/v1/loops/{loop_id}/").json()
    listed = client.get("/api/v1/loops/").json()["results"][0]
    assert list(detail["balance"]["per_level"]) == list(SEED_QUOTAS)
    assert list(listed["balance"]["per_level"]) == list(SEED_QUOTAS)
    assert detail["balance"]["per_level"] == SEED_QUOTAS


def test_loop_list_reads_the_level_order_once_per_page(generate, client_for, hiring_manager):
    generate()
    client = client_for(hiring_manager)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/loops/")
    generate(seed=8)
    generate(seed=9)
    with CaptureQueriesContext(connection) as three:
        client.get("/api/v1/loops/")
    assert len(three) == len(one)


def test_generate_response_equals_the_detail(generate, client_for, hiring_manager):
    created = generate().json()
    detail = client_for(hiring_manager).get(f"/api/v1/loops/{created['id']}/")
    assert detail.status_code == 200
    assert detail.json() == created


def test_same_seed_same_plan_for_the_same_inputs(generate, candidate, client_for, hiring_manager):
    first = generate().json()
    cancelled = client_for(hiring_manager).post(f"/api/v1/loops/{first['id']}/cancel/")
    assert cancelled.status_code == 200
    second = generate().json()

    def shape(body):
        return [(s["order"], s["interviewers"], s["questions"]) for s in body["sessions"]]

    assert second["id"] != first["id"]
    # A cancelled loop counts neither as met nor as exposure nor as load: same inputs, same plan.
    assert shape(second) == shape(first)


def test_a_seed_is_chosen_and_returned_when_none_is_given(generate):
    body = generate(seed=None).json()
    assert isinstance(body["seed"], int)
    assert Loop.objects.get().seed == body["seed"]


def test_questions_the_candidate_met_in_earlier_loops_are_not_asked_again(generate):
    first = set(_questions(generate().json()))
    second = set(_questions(generate(seed=8).json()))
    assert not first & second


def test_cancelled_loops_do_not_count_as_met(generate, client_for, hiring_manager):
    first = generate().json()
    client_for(hiring_manager).post(f"/api/v1/loops/{first['id']}/cancel/")
    # 5 beginner questions: with the cancelled loop's question free again, 5 more loops fit.
    for seed in range(5):
        assert generate(seed=100 + seed).status_code == 201


def test_a_level_with_too_few_unused_questions_is_a_400_naming_it(generate, job):
    template = make_template(job, {"beginner": 2, "intermediate": 1}, session_count=1)
    for seed in range(2):  # the bank has 5 beginner questions: 4 are met after two loops
        assert generate(seed=seed, template=template.pk).status_code == 201
    response = generate(seed=99, template=template.pk)
    assert response.status_code == 400
    shortage = (
        "Level 'beginner' needs 2 question(s) but has only 1 unused: 5 active, 4 already "
        "asked of this candidate in earlier loops; 1 short."
    )
    assert response.json() == {
        "code": "loop_infeasible",
        "message": shortage,
        "fields": {"level_quotas.beginner": [shortage]},
    }
    assert Loop.objects.count() == 2


def test_a_session_whose_questions_cannot_fit_is_a_400_naming_it(generate, job):
    # Two sessions of 10 minutes; the shortest advanced questions take 8 and 10 minutes.
    template = make_template(job, {"advanced": 3}, session_count=2, session_minutes=10)
    Question.objects.filter(level_id="advanced", estimated_minutes__lt=10).update(
        estimated_minutes=10
    )
    response = generate(template=template.pk)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "loop_infeasible"
    assert body["fields"]["sessions.1"] == [
        "Session 1 would need 20 minutes for its 2 question(s) but lasts 10; lengthen the "
        "sessions, add sessions or lower the quotas."
    ]


def test_inactive_questions_are_never_asked(generate):
    Question.objects.filter(level_id="beginner").exclude(pk=1).update(is_active=False)
    body = generate().json()
    beginner = [
        q["question"] for s in body["sessions"] for q in s["questions"] if q["level"] == "beginner"
    ]
    assert beginner == [1]


def test_too_few_interviewers_is_a_400_saying_how_many_are_missing(generate, interviewer_pool):
    response = generate(interviewers=[u.pk for u in interviewer_pool[:3]])
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "interviewers": [
            "4 session(s) with 1 interviewer(s) each need 4 different interviewers; 3 given, "
            "1 missing."
        ]
    }


def test_users_who_cannot_interview_are_named(generate, interviewer_pool, recruiter):
    inactive = UserFactory(username="gone", is_active=False)
    inactive.groups.add(Group.objects.get_or_create(name="interviewer")[0])
    ids = [u.pk for u in interviewer_pool] + [recruiter.pk, inactive.pk, 999999]
    response = generate(interviewers=ids)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_interviewers",
        "message": (
            f"User(s) {recruiter.pk}, {inactive.pk}, 999999 cannot interview: each must be an "
            "active user with the interviewer or hiring_manager role."
        ),
        "fields": {
            "interviewers": [
                f"User {recruiter.pk} is not an active interviewer or hiring manager.",
                f"User {inactive.pk} is not an active interviewer or hiring manager.",
                "User 999999 is not an active interviewer or hiring manager.",
            ]
        },
    }


def test_hiring_managers_may_be_assigned_as_interviewers(
    generate, interviewer_pool, hiring_manager
):
    ids = [hiring_manager.pk] + [u.pk for u in interviewer_pool[:3]]
    body = generate(interviewers=ids).json()
    assert {u for s in body["sessions"] for u in s["interviewers"]} == set(ids)


def test_duplicate_interviewers_are_a_400(generate, interviewer_pool):
    ids = [u.pk for u in interviewer_pool] + [interviewer_pool[0].pk]
    response = generate(interviewers=ids)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "interviewers": [f"User {interviewer_pool[0].pk} is listed more than once."]
    }


def test_unknown_candidate_or_template_is_a_400(generate):
    assert generate(candidate=999999).json()["fields"] == {
        "candidate": ["No candidate with id 999999."]
    }
    assert generate(template=999999).json()["fields"] == {
        "template": ["No loop template with id 999999."]
    }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"interviewers": []}, "interviewers"),
        ({"interviewers": "ann"}, "interviewers"),
        ({"seed": -1}, "seed"),
        ({"seed": "x"}, "seed"),
        ({"candidate": None}, "candidate"),
    ],
)
def test_malformed_bodies_are_400s_in_the_error_shape(generate, body, field):
    response = generate(**body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


@pytest.mark.parametrize("role", ["interviewer", "recruiter", "outsider"])
def test_only_hiring_managers_and_admins_generate(
    request, role, client_for, onsite_template, interviewer_pool, candidate
):
    body = {
        "candidate": candidate.pk,
        "template": onsite_template.pk,
        "interviewers": [u.pk for u in interviewer_pool],
    }
    response = client_for(request.getfixturevalue(role)).post("/api/v1/loops/", body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_admin_generates(client_for, admin_user, onsite_template, interviewer_pool, candidate):
    body = {
        "candidate": candidate.pk,
        "template": onsite_template.pk,
        "interviewers": [u.pk for u in interviewer_pool],
    }
    assert client_for(admin_user).post("/api/v1/loops/", body).status_code == 201


def test_anonymous_is_401(anonymous_client):
    assert anonymous_client.post("/api/v1/loops/", {}).status_code == 401


def test_idempotency_key_replays_the_loop_and_creates_nothing_new(
    generate, client_for, hiring_manager, onsite_template, interviewer_pool, candidate
):
    client = client_for(hiring_manager)
    body = {
        "candidate": candidate.pk,
        "template": onsite_template.pk,
        "interviewers": [u.pk for u in interviewer_pool],
        "seed": 3,
    }
    first = client.post("/api/v1/loops/", body, format="json", HTTP_IDEMPOTENCY_KEY="loop-1")
    again = client.post("/api/v1/loops/", body, format="json", HTTP_IDEMPOTENCY_KEY="loop-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Loop.objects.count() == 1
    other = client.post(
        "/api/v1/loops/", {**body, "seed": 4}, format="json", HTTP_IDEMPOTENCY_KEY="loop-1"
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


def test_generation_query_count_does_not_grow_with_the_bank(
    client_for, hiring_manager, onsite_template, interviewer_pool, django_assert_max_num_queries
):
    client = client_for(hiring_manager)
    pool = [u.pk for u in interviewer_pool]
    first, second = CandidateFactory(), CandidateFactory()

    def generate_for(candidate):
        body = {"candidate": candidate.pk, "template": onsite_template.pk, "interviewers": pool}
        return client.post("/api/v1/loops/", body, format="json")

    with django_assert_max_num_queries(30) as small:
        assert generate_for(first).status_code == 201
    levels = list(SEED_QUOTAS)
    Question.objects.bulk_create(
        Question(
            slug=f"extra-{n}",
            level_id=levels[n % len(levels)],
            prompt="p",
            hint="h",
            estimated_minutes=5 + n % 8,
        )
        for n in range(600)
    )
    with django_assert_max_num_queries(30) as large:
        assert generate_for(second).status_code == 201
    assert len(large.captured_queries) == len(small.captured_queries)


def test_every_written_question_belongs_to_its_loop(generate):
    body = generate().json()
    rows = SessionQuestion.objects.filter(loop_id=body["id"])
    assert rows.count() == 10
    assert {r.session.loop_id for r in rows} == {body["id"]}
