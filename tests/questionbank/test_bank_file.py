"""GET /api/v1/questions/export/ and POST /api/v1/questions/import/, and the two management
commands: the bank as a file, by slug, all or nothing, versioning scored rubrics as PATCH does."""

import json

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from interviews.models import SessionQuestion
from questionbank.models import Competency, Level, Question, RubricCriterion
from questionbank.serializers import MAX_IMPORT_QUESTIONS
from tests.factories import CriterionRatingFactory, RubricCriterionFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/questions/export/"
IMPORT = "/api/v1/questions/import/"


def bank_rows() -> dict:
    """Every row of the bank, timestamps included: what an import that changes nothing keeps."""
    return {
        "levels": list(Level.objects.order_by("slug").values()),
        "competencies": list(Competency.objects.order_by("slug").values()),
        "questions": list(Question.objects.order_by("id").values()),
        "criteria": list(RubricCriterion.objects.order_by("id").values()),
        "tags": sorted(
            Question.competencies.through.objects.values_list("question_id", "competency_id")
        ),
    }


def empty_the_bank() -> None:
    SessionQuestion.objects.all().delete()
    Question.objects.all().delete()
    Level.objects.all().delete()
    Competency.objects.all().delete()


def question(slug: str, **overrides) -> dict:
    item = {
        "slug": slug,
        "level": "beginner",
        "prompt": f"Prompt of {slug}?",
        "hint": f"Hint of {slug}.",
        "competencies": ["metric-definition"],
        "estimated_minutes": 10,
        "is_active": True,
        "rubric": [
            {"text": f"{slug} point one", "weight": 1.0},
            {"text": f"{slug} two", "weight": 2.0},
        ],
    }
    item.update(overrides)
    return item


def small_file(count: int = 20) -> dict:
    return {
        "version": 1,
        "levels": [{"slug": "beginner", "name": "Beginner", "order": 1}],
        "competencies": [
            {"slug": "metric-definition", "name": "Metric Definition", "description": ""}
        ],
        "questions": [question(f"q-{n:02d}") for n in range(count)],
    }


# --- round trips -------------------------------------------------------------------------------


def test_the_seed_bank_exports_into_an_empty_bank_and_exports_the_same(
    seed_bank, client_for, hiring_manager
):
    client = client_for(hiring_manager)
    exported = client.get(EXPORT).json()
    assert len(exported["questions"]) == 50 and len(exported["levels"]) == 6
    assert set(exported["questions"][0]) == {
        "slug",
        "level",
        "prompt",
        "hint",
        "competencies",
        "estimated_minutes",
        "is_active",
        "rubric",
    }

    empty_the_bank()
    response = client.post(IMPORT, exported, format="json")
    assert response.status_code == 200, response.json()
    assert len(response.json()["questions_created"]) == 50
    assert len(response.json()["levels_created"]) == 6
    assert client.get(EXPORT).json() == exported


def test_the_seed_bank_reimports_onto_itself_unchanged(seed_bank, client_for, admin_user):
    client = client_for(admin_user)
    exported = client.get(EXPORT).json()
    before, audit = bank_rows(), AuditEvent.objects.count()

    response = client.post(IMPORT, exported, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "levels_created": [],
        "competencies_created": [],
        "questions_created": [],
        "questions_updated": [],
        "questions_unchanged": [q["slug"] for q in exported["questions"]],
    }
    assert bank_rows() == before
    assert AuditEvent.objects.count() == audit


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client_for, hiring_manager):
    client = client_for(hiring_manager)
    first = client.post(IMPORT, small_file(), format="json").json()
    assert len(first["questions_created"]) == 20
    after_first = bank_rows()

    second = client.post(IMPORT, small_file(), format="json").json()
    assert second["questions_created"] == second["questions_updated"] == []
    assert len(second["questions_unchanged"]) == 20
    assert bank_rows() == after_first


def test_a_changed_question_is_updated_in_place_and_others_left_alone(client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(3), format="json")
    untouched = Question.objects.get(slug="q-00").updated_at
    changed = small_file(3)
    changed["questions"][1]["prompt"] = "A better prompt?"
    changed["questions"][2]["competencies"] = []
    changed["questions"] = changed["questions"][1:]  # q-00 not in the file: left alone

    body = client.post(IMPORT, changed, format="json").json()
    assert body["questions_updated"] == ["q-01", "q-02"]
    assert Question.objects.get(slug="q-01").prompt == "A better prompt?"
    assert not Question.objects.get(slug="q-02").competencies.exists()
    assert Question.objects.get(slug="q-00").updated_at == untouched


# --- rubric versions ---------------------------------------------------------------------------


def test_a_scored_questions_rubric_change_retires_the_scored_criterion(client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(1), format="json")
    scored = RubricCriterion.objects.get(question__slug="q-00", order=1)
    CriterionRatingFactory(criterion=scored)
    changed = small_file(1)
    changed["questions"][0]["rubric"][0]["text"] = "q-00 point one, said better"

    assert client.post(IMPORT, changed, format="json").json()["questions_updated"] == ["q-00"]
    scored.refresh_from_db()
    assert not scored.is_active and scored.retired_at is not None
    assert scored.ratings.count() == 1
    active = RubricCriterion.objects.filter(question__slug="q-00", is_active=True)
    assert [(c.order, c.text) for c in active.order_by("order")] == [
        (1, "q-00 point one, said better"),
        (2, "q-00 two"),
    ]
    assert AuditEvent.objects.filter(action="question.rubric_changed").count() == 1
    # The export shows the active rubric only, and importing it again changes nothing.
    exported = client.get(EXPORT).json()
    assert exported["questions"][0]["rubric"][0]["text"] == "q-00 point one, said better"
    assert client.post(IMPORT, exported, format="json").json()["questions_updated"] == []


def test_an_import_cannot_reweigh_a_scored_criterion_in_place(client_for, hiring_manager):
    """An attacker's file keeps the text and changes only the weight: past question scores (a
    scorecard's weighted mean of its criterion ratings) would change if the weight were edited
    in place, so the scored criterion keeps its weight and is retired instead."""
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(1), format="json")
    scored = RubricCriterion.objects.get(question__slug="q-00", order=1)
    CriterionRatingFactory(criterion=scored, rating=4)
    weight_before = scored.weight
    changed = small_file(1)
    changed["questions"][0]["rubric"][0]["weight"] = weight_before * 10

    assert client.post(IMPORT, changed, format="json").json()["questions_updated"] == ["q-00"]
    scored.refresh_from_db()
    assert (scored.weight, scored.is_active) == (weight_before, False)
    assert [(r.rating, r.criterion_id) for r in scored.ratings.all()] == [(4, scored.pk)]
    assert RubricCriterion.objects.get(
        question__slug="q-00", is_active=True, order=1
    ).weight == pytest.approx(weight_before * 10)


def test_an_unscored_criterion_is_replaced_not_kept(client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(1), format="json")
    changed = small_file(1)
    changed["questions"][0]["rubric"] = [{"text": "only this", "weight": 1.0}]
    client.post(IMPORT, changed, format="json")
    assert list(
        RubricCriterion.objects.filter(question__slug="q-00").values_list("text", "is_active")
    ) == [("only this", True)]


# --- refusals: every error named, nothing written -------------------------------------------------


def test_errors_at_3_and_17_are_both_named_and_nothing_is_written(client_for, hiring_manager):
    bad = small_file(20)
    bad["questions"][3]["rubric"][0]["text"] = ""
    bad["questions"][17]["estimated_minutes"] = "10"
    bad["questions"][17]["level"] = "nowhere"
    before = bank_rows()

    response = client_for(hiring_manager).post(IMPORT, bad, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {
        "questions.3.rubric.0.text",
        "questions.17.estimated_minutes",
        "questions.17.level",
    }
    assert body["fields"]["questions.17.estimated_minutes"] == [
        "Must be a whole number (not a string or decimal)."
    ]
    assert "nowhere" in body["fields"]["questions.17.level"][0]
    assert bank_rows() == before


def test_a_new_level_whose_name_another_level_holds_is_refused(client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(2), format="json")
    before = bank_rows()
    clash = small_file(3)
    clash["levels"].append({"slug": "expert", "name": "beginner", "order": 9})
    clash["competencies"] += [
        {"slug": "a", "name": "Twice"},
        {"slug": "b", "name": "Twice"},
    ]
    body = client.post(IMPORT, clash, format="json").json()
    assert set(body["fields"]) == {"levels.1.name", "competencies.1.name", "competencies.2.name"}
    assert "already the name of 'beginner'" in body["fields"]["levels.1.name"][0]
    assert bank_rows() == before


def test_the_same_slug_twice_in_a_file_names_both_places(client_for, hiring_manager):
    bad = small_file(5)
    bad["questions"][4]["slug"] = "q-01"
    body = client_for(hiring_manager).post(IMPORT, bad, format="json").json()
    assert set(body["fields"]) == {"questions.1.slug", "questions.4.slug"}
    assert "(questions.1, questions.4)" in body["fields"]["questions.4.slug"][0]


def test_two_new_names_that_differ_only_in_case_are_one_name_twice(client_for, hiring_manager):
    # POST /levels/ and /competencies/ compare names case-insensitively; a file does the same.
    bad = small_file(1)
    bad["levels"] += [
        {"slug": "expert", "name": "Expert", "order": 7},
        {"slug": "expert-2", "name": "EXPERT", "order": 8},
    ]
    response = client_for(hiring_manager).post(IMPORT, bad, format="json")
    assert response.status_code == 400, response.json()
    fields = response.json()["fields"]
    assert {"levels.1.name", "levels.2.name"} <= set(fields), fields
    assert "(levels.1, levels.2)" in fields["levels.2.name"][0]
    assert not Level.objects.filter(slug__in=["expert", "expert-2"]).exists()


def test_slugs_are_compared_as_the_fields_trim_them(client_for, hiring_manager):
    padded = small_file(2)
    padded["questions"][1]["slug"] = " q-00 "
    padded["levels"][0]["slug"] = " beginner"
    body = client_for(hiring_manager).post(IMPORT, padded, format="json").json()
    assert set(body["fields"]) == {"questions.0.slug", "questions.1.slug"}


def test_levels_and_competencies_the_file_refers_to_must_exist_or_be_in_it(
    client_for, hiring_manager
):
    bad = small_file(2)
    bad["levels"] = []
    bad["questions"][1]["competencies"] = ["metric-definition", "made-up"]
    body = client_for(hiring_manager).post(IMPORT, bad, format="json").json()
    assert set(body["fields"]) == {
        "questions.0.level",
        "questions.1.level",
        "questions.1.competencies",
    }
    assert "made-up" in body["fields"]["questions.1.competencies"][0]


def test_an_existing_level_is_left_as_it_is(client_for, hiring_manager):
    client = client_for(hiring_manager)
    client.post(IMPORT, small_file(1), format="json")
    renamed = small_file(1)
    renamed["levels"][0].update(name="Starter", order=7)
    assert client.post(IMPORT, renamed, format="json").json()["levels_created"] == []
    assert Level.objects.get(slug="beginner").name == "Beginner"


def test_more_questions_than_the_cap_is_a_400_saying_so(client_for, hiring_manager):
    big = small_file(0)
    big["questions"] = [
        {
            "slug": f"q{n}",
            "level": "beginner",
            "prompt": "p",
            "hint": "h",
            "rubric": [{"text": "t"}],
        }
        for n in range(MAX_IMPORT_QUESTIONS + 1)
    ]
    response = client_for(hiring_manager).post(IMPORT, big, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["questions"]
    assert response.json()["message"].startswith(
        f"questions: The file has {MAX_IMPORT_QUESTIONS + 1:,} questions; at most "
        f"{MAX_IMPORT_QUESTIONS:,} are read per file."
    )
    assert not Question.objects.exists()


def test_a_file_nested_too_deep_is_refused_before_parsing(client_for, hiring_manager):
    body = '{"questions": [' + "[" * 100 + "]" * 100 + "]}"
    response = client_for(hiring_manager).post(IMPORT, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@pytest.mark.parametrize(
    "document",
    [[], "bank", None, {"questions": "all"}, {"questions": [7]}, {"version": 2, "questions": []}],
)
def test_a_file_of_the_wrong_shape_is_a_400(document, client_for, hiring_manager):
    response = client_for(hiring_manager).post(IMPORT, document, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"validation_error", "malformed_request"}


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["interviewer", "recruiter", "outsider"])
def test_only_hiring_managers_and_admins_export_and_import(request, role, client_for, seed_bank):
    client = client_for(request.getfixturevalue(role))
    before = bank_rows()
    assert client.get(EXPORT).status_code == 403
    refused = client.post(IMPORT, small_file(1), format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert bank_rows() == before


def test_without_a_token_both_are_401(client_for):
    assert client_for(None).get(EXPORT).status_code == 401
    assert client_for(None).post(IMPORT, small_file(1), format="json").status_code == 401


def test_the_export_reads_a_fixed_number_of_queries(
    seed_bank, client_for, hiring_manager, django_assert_max_num_queries
):
    RubricCriterionFactory(question=Question.objects.first(), order=99)
    client = client_for(hiring_manager)
    # token, roles, levels, competencies, questions, their competencies, their rubrics
    with django_assert_max_num_queries(7):
        assert len(client.get(EXPORT).json()["questions"]) == 50


# --- the management commands -------------------------------------------------------------------


def test_the_commands_export_and_import_the_same_file_as_the_api(
    seed_bank, client_for, hiring_manager, tmp_path, capsys
):
    api_export = client_for(hiring_manager).get(EXPORT).json()
    call_command("export_questionbank")
    assert json.loads(capsys.readouterr().out) == api_export
    path = tmp_path / "bank.json"
    call_command("export_questionbank", "--output", str(path))
    assert json.loads(path.read_text()) == api_export

    empty_the_bank()
    call_command("import_questionbank", str(path), "--user", hiring_manager.username)
    assert "50 questions created" in capsys.readouterr().out
    assert client_for(hiring_manager).get(EXPORT).json() == api_export
    assert Question.objects.filter(created_by=hiring_manager).count() == 50

    before = bank_rows()
    call_command("import_questionbank", str(path))
    assert "0 updated, 50 unchanged" in capsys.readouterr().out
    assert bank_rows() == before


def test_the_import_command_names_every_problem_and_writes_nothing(tmp_path):
    bad = small_file(20)
    bad["questions"][3]["rubric"] = []
    bad["questions"][17]["hint"] = 5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CommandError) as refused:
        call_command("import_questionbank", str(path))
    assert "questions.3.rubric:" in str(refused.value)
    assert "questions.17.hint: Must be a string." in str(refused.value)
    assert not Question.objects.exists() and not Level.objects.exists()


@pytest.mark.parametrize(
    "content", ["not json", "[" * 100 + "]" * 100, json.dumps({"questions": [{"slug": 1}]})]
)
def test_the_import_command_refuses_unreadable_files(content, tmp_path):
    path = tmp_path / "bank.json"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("import_questionbank", str(path))


def test_the_import_command_refuses_an_unknown_user(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(small_file(1)))
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_questionbank", str(path), "--user", "nobody")


def test_export_is_deterministic(seed_bank, client_for, hiring_manager):
    client = client_for(hiring_manager)
    first = client.get(EXPORT).content
    assert client.get(EXPORT).content == first


# --- a first import in bulk ----------------------------------------------------------------------


def _new_questions_import(client, count: int) -> int:
    """Import `count` new questions into an emptied bank; the number of queries it took."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    empty_the_bank()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(IMPORT, small_file(count), format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["questions_created"]) == count
    return len(queries.captured_queries)


def test_new_questions_cost_the_same_queries_however_many(client_for, hiring_manager):
    client = client_for(hiring_manager)
    assert _new_questions_import(client, 3) == _new_questions_import(client, 40)


def test_an_imported_question_is_made_as_post_questions_makes_it(client_for, hiring_manager):
    client = client_for(hiring_manager)
    empty_the_bank()
    assert client.post(IMPORT, small_file(2), format="json").status_code == 200
    item = question("by-api", competencies=["metric-definition"])
    assert client.post("/api/v1/questions/", item, format="json").status_code == 201

    def shape(slug: str) -> dict:
        stored = Question.objects.get(slug=slug)
        row = {
            k: v
            for k, v in Question.objects.filter(pk=stored.pk).values()[0].items()
            if k not in {"id", "slug", "prompt", "hint", "created_at", "updated_at"}
        }
        criteria = list(
            stored.criteria.order_by("order").values_list("order", "weight", "is_active")
        )
        tags = list(stored.competencies.values_list("slug", flat=True))
        audit = list(
            AuditEvent.objects.filter(
                target_type="questionbank.question", target_id=str(stored.pk)
            ).values_list("actor_id", "action", "changes")
        )
        return {"row": row, "criteria": criteria, "tags": tags, "audit": audit}

    imported = shape("q-01")
    assert imported == shape("by-api")
    assert imported["audit"] == [(hiring_manager.pk, "question.created", {})]
    stored = Question.objects.get(slug="q-01")
    assert [c.text for c in stored.criteria.order_by("order")] == ["q-01 point one", "q-01 two"]


def test_a_slug_taken_after_the_files_check_is_a_409_and_nothing_is_written(hiring_manager):
    # The file was checked against the bank (no such slug), then another request took the slug
    # before the insert: the unique constraint decides, and the answer names the slug.
    from core.errors import ApplicationError
    from questionbank.services import questions_create_in_bulk

    empty_the_bank()
    level = Level.objects.create(slug="beginner", name="Beginner", order=1)
    Competency.objects.create(slug="metric-definition", name="Metric Definition")
    Question.objects.create(slug="q-01", level=level, prompt="Taken?", hint="Taken.")
    items = [question(f"q-{n:02d}") for n in range(3)]
    with pytest.raises(ApplicationError) as raised:
        questions_create_in_bulk(actor=hiring_manager, items=items)
    assert raised.value.status_code == 409
    assert "q-01" in raised.value.message
    assert sorted(Question.objects.values_list("slug", flat=True)) == ["q-01"]
