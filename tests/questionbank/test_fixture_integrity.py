"""The question-bank fixture against the seed text it was made from."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from questionbank.models import Level, Question, RubricCriterion

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "questionbank_seed.txt"
FIXTURE = ROOT / "fixtures" / "questionbank.json"
SECTIONS = [
    ("Beginner", "beginner", 5),
    ("Intermediate", "intermediate", 10),
    ("Advanced", "advanced", 10),
    ("Scenario-Based", "scenario-based", 10),
    ("AI Workflow & Tools", "ai-workflow-tools", 10),
    ("Behavioral", "behavioral", 5),
]


def seed_hints() -> list[tuple[str, str]]:
    """(level slug, hint) for every question of the seed, read independently of the builder."""
    lines = [line.rstrip("\n") for line in SEED.read_text(encoding="utf-8").splitlines()]
    headings = {name: slug for name, slug, _ in SECTIONS}
    hints: list[tuple[str, str]] = []
    level = None
    for line in lines:
        if line in headings:
            level = headings[line]
            continue
        if level is None or not line.strip():
            continue
        hints.append((level, re.sub(r"^\d+ questions", "", line)))
    return hints


def fixture_objects(model: str) -> list[dict]:
    return [o for o in json.loads(FIXTURE.read_text(encoding="utf-8")) if o["model"] == model]


def test_the_seed_itself_has_fifty_hints_in_six_sections():
    counts = Counter(level for level, _ in seed_hints())
    assert counts == {slug: n for _, slug, n in SECTIONS}


def test_every_seed_hint_appears_verbatim_exactly_once_at_its_level():
    questions = fixture_objects("questionbank.question")
    by_hint = Counter(q["fields"]["hint"] for q in questions)
    for level, hint in seed_hints():
        assert by_hint[hint] == 1, hint[:60]
        (question,) = [q for q in questions if q["fields"]["hint"] == hint]
        assert question["fields"]["level"] == level
    assert len(questions) == 50


def test_level_counts_are_5_10_10_10_10_5_in_seed_order():
    levels = sorted(fixture_objects("questionbank.level"), key=lambda o: o["fields"]["order"])
    assert [lv["pk"] for lv in levels] == [slug for _, slug, _ in SECTIONS]
    counts = Counter(q["fields"]["level"] for q in fixture_objects("questionbank.question"))
    assert [counts[slug] for _, slug, _ in SECTIONS] == [5, 10, 10, 10, 10, 5]


def test_every_question_has_a_prompt_competencies_and_two_to_six_criteria():
    criteria = Counter(
        c["fields"]["question"] for c in fixture_objects("questionbank.rubriccriterion")
    )
    competencies = {c["pk"] for c in fixture_objects("questionbank.competency")}
    for question in fixture_objects("questionbank.question"):
        fields = question["fields"]
        assert len(fields["prompt"].strip()) > 20
        assert fields["prompt"] != fields["hint"]
        assert 2 <= criteria[question["pk"]] <= 6, question["pk"]
        assert 1 <= len(fields["competencies"]) <= 3
        assert set(fields["competencies"]) <= competencies
        assert 1 <= fields["estimated_minutes"] <= 240


@pytest.mark.django_db
def test_fixture_loads_into_the_database(seed_bank):
    assert Level.objects.count() == 6
    assert Question.objects.filter(is_active=True).count() == 50
    assert RubricCriterion.objects.count() == len(fixture_objects("questionbank.rubriccriterion"))
    first = Question.objects.get(pk=1)
    assert first.level_id == "beginner"
    assert first.hint.startswith("A strong answer defines it as the single metric")
