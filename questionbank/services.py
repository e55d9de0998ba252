"""Writes to the question bank: levels, competencies, questions and their rubric versions."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.errors import ApplicationError
from core.services import audit_record, audit_record_many
from questionbank.models import Competency, Level, Question, RubricCriterion
from questionbank.selectors import question_list


class QuestionBankErrorCode(enum.StrEnum):
    SLUG_TAKEN = "slug_taken"


def _unique_slug(*, wanted: str | None, prompt: str, exclude_id: int | None = None) -> str:
    taken = Question.objects.exclude(pk=exclude_id) if exclude_id else Question.objects.all()
    if wanted:
        if taken.filter(slug=wanted).exists():
            raise ApplicationError(
                QuestionBankErrorCode.SLUG_TAKEN,
                f"Another question already has the slug '{wanted}'; choose another.",
                {"slug": ["Already in use."]},
                status_code=409,
            )
        return wanted
    base = slugify(prompt)[:80].strip("-") or "question"
    slug, n = base, 1
    existing = set(taken.filter(slug__startswith=base).values_list("slug", flat=True))
    while slug in existing:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def level_create(*, slug: str, name: str, order: int) -> Level:
    """Add a level (a section of the bank); `order` places it from easier to harder."""
    return Level.objects.create(slug=slug, name=name, order=order)


@transaction.atomic
def competency_create(*, slug: str, name: str, description: str = "") -> Competency:
    return Competency.objects.create(slug=slug, name=name, description=description)


@transaction.atomic
def question_create(
    *,
    actor: User,
    level: str,
    prompt: str,
    hint: str,
    rubric: list[dict[str, Any]],
    competencies: list[str] = (),
    estimated_minutes: int = 10,
    is_active: bool = True,
    slug: str | None = None,
) -> Question:
    """Create a question with its rubric (criteria in the order given, at least one)."""
    question = Question.objects.create(
        slug=_unique_slug(wanted=slug, prompt=prompt),
        level_id=level,
        prompt=prompt,
        hint=hint,
        estimated_minutes=estimated_minutes,
        is_active=is_active,
        created_by=actor,
    )
    question.competencies.set(competencies)
    RubricCriterion.objects.bulk_create(
        RubricCriterion(question=question, order=i, text=item["text"], weight=item["weight"])
        for i, item in enumerate(rubric, start=1)
    )
    audit_record(actor=actor, action="question.created", target=question)
    return question


def _same_criterion(criterion: RubricCriterion, item: dict[str, Any]) -> bool:
    """Whether a rubric item (`{text, weight}`) says what the stored criterion says."""
    return criterion.text == item["text"] and abs(criterion.weight - item["weight"]) < 1e-9


def _rubric_replace(*, actor: User, question: Question, rubric: list[dict[str, Any]]) -> None:
    """Make the active rubric equal `rubric`, never editing a scored criterion in place.

    A criterion whose text and weight are unchanged is kept (only its position may move). One
    that is gone or changed is retired when it has ratings (kept, inactive, still attached to its
    scores) and deleted when it has none; new text becomes a new criterion.
    Caller holds the question's row lock.
    """
    current = list(question.criteria.filter(is_active=True).order_by("order", "id"))
    unmatched = {c.pk: c for c in current}
    kept: list[tuple[int, RubricCriterion]] = []
    added: list[tuple[int, dict[str, Any]]] = []
    for order, item in enumerate(rubric, start=1):
        match = next((c for c in unmatched.values() if _same_criterion(c, item)), None)
        if match is None:
            added.append((order, item))
        else:
            del unmatched[match.pk]
            kept.append((order, match))
    if not unmatched and not added and all(c.order == order for order, c in kept):
        return

    gone_ids = list(unmatched)
    scored_ids = set(
        RubricCriterion.objects.filter(pk__in=gone_ids, ratings__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    now = timezone.now()
    RubricCriterion.objects.filter(pk__in=scored_ids).update(is_active=False, retired_at=now)
    RubricCriterion.objects.filter(pk__in=set(gone_ids) - scored_ids).delete()
    # Move kept criteria out of the way first: the active (question, order) pair is unique.
    for order, criterion in kept:
        RubricCriterion.objects.filter(pk=criterion.pk).update(order=1000 + order)
    for order, criterion in kept:
        RubricCriterion.objects.filter(pk=criterion.pk).update(order=order)
    RubricCriterion.objects.bulk_create(
        RubricCriterion(question=question, order=order, text=item["text"], weight=item["weight"])
        for order, item in added
    )
    audit_record(
        actor=actor,
        action="question.rubric_changed",
        target=question,
        changes={
            "before": [{"id": c.pk, "text": c.text, "weight": c.weight} for c in current],
            "after": [{"text": item["text"], "weight": item["weight"]} for item in rubric],
            "retired": sorted(scored_ids),
        },
    )


@transaction.atomic
def question_update(*, actor: User, question: Question, **changes: Any) -> Question:
    """Change a question's fields; a new rubric retires scored criteria (see _rubric_replace)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    rubric = changes.pop("rubric", None)
    competencies = changes.pop("competencies", None)
    if "slug" in changes and changes["slug"] != question.slug:
        changes["slug"] = _unique_slug(
            wanted=changes["slug"], prompt=question.prompt, exclude_id=question.pk
        )
    if "level" in changes:
        changes["level_id"] = changes.pop("level")
    before = {name: getattr(question, name) for name in changes}
    for name, value in changes.items():
        setattr(question, name, value)
    question.updated_at = timezone.now()
    question.save()
    if competencies is not None:
        question.competencies.set(competencies)
    if rubric is not None:
        _rubric_replace(actor=actor, question=question, rubric=rubric)
    changed = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    if changed or competencies is not None:
        audit_record(
            actor=actor,
            action="question.updated",
            target=question,
            changes={**changed, **({"competencies": competencies} if competencies else {})},
        )
    return question


# --- the bank as a file ----------------------------------------------------------------------


@dataclass
class BankImportResult:
    """What an import did, by slug."""

    levels_created: list[str] = field(default_factory=list)
    competencies_created: list[str] = field(default_factory=list)
    questions_created: list[str] = field(default_factory=list)
    questions_updated: list[str] = field(default_factory=list)
    questions_unchanged: list[str] = field(default_factory=list)


def _question_changes(question: Question, item: dict[str, Any]) -> dict[str, Any]:
    """The fields of `item` (a question of a bank file) that differ from the stored question,
    in the keyword form of question_update. `question` has its competencies and
    `active_criteria` prefetched (questionbank.selectors.question_list)."""
    changes = {
        name: item[name]
        for name in ("prompt", "hint", "estimated_minutes", "is_active")
        if getattr(question, name) != item[name]
    }
    if question.level_id != item["level"]:
        changes["level"] = item["level"]
    if {c.slug for c in question.competencies.all()} != set(item["competencies"]):
        changes["competencies"] = item["competencies"]
    current = question.active_criteria
    if len(current) != len(item["rubric"]) or not all(
        _same_criterion(c, wanted) for c, wanted in zip(current, item["rubric"], strict=True)
    ):
        changes["rubric"] = item["rubric"]
    return changes


def questions_create_in_bulk(*, actor: User | None, items: Sequence[dict[str, Any]]) -> None:
    """Create the questions of `items` (each as `question_create` takes it, slug included) as
    `question_create` makes each one, with its criteria, competencies and audit entry, in four
    INSERTs however many there are (a first import of 2,000 questions was 16,000 statements).

    The slugs were checked free when the file was read; one taken since (a concurrent create)
    is a 409 naming it, and none of `items` is written."""
    if not items:
        return
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            created = Question.objects.bulk_create(
                Question(
                    slug=item["slug"],
                    level_id=item["level"],
                    prompt=item["prompt"],
                    hint=item["hint"],
                    estimated_minutes=item.get("estimated_minutes", 10),
                    is_active=item.get("is_active", True),
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
                for item in items
            )
    except IntegrityError:
        taken = sorted(
            Question.objects.filter(slug__in=[item["slug"] for item in items]).values_list(
                "slug", flat=True
            )
        )
        raise ApplicationError(
            QuestionBankErrorCode.SLUG_TAKEN,
            f"Questions with the slugs {', '.join(taken)} were created while this file was "
            "being imported; nothing was imported. Import the file again (those questions "
            "will then be updated from it).",
            {"questions": [f"Slug taken meanwhile: {slug}" for slug in taken]},
            status_code=409,
        ) from None
    Question.competencies.through.objects.bulk_create(
        Question.competencies.through(question_id=question.pk, competency_id=slug)
        for question, item in zip(created, items, strict=True)
        for slug in dict.fromkeys(item.get("competencies", ()))
    )
    RubricCriterion.objects.bulk_create(
        RubricCriterion(question=question, order=i, text=c["text"], weight=c["weight"])
        for question, item in zip(created, items, strict=True)
        for i, c in enumerate(item["rubric"], start=1)
    )
    audit_record_many(actor=actor, action="question.created", targets=created)


@transaction.atomic
def question_bank_import(
    *,
    actor: User | None,
    levels: Sequence[dict[str, Any]],
    competencies: Sequence[dict[str, Any]],
    questions: Sequence[dict[str, Any]],
) -> BankImportResult:
    """Make the bank hold the file's questions, by slug; all or nothing (one transaction).

    Levels and competencies the bank lacks are created; those it has are left as they are.
    A question whose slug is new is created; one that exists is changed only where the file
    differs, through question_update, so a changed rubric of a scored question retires its
    scored criteria exactly as PATCH does. A question the file does not name is left alone, and
    importing the same file again changes nothing (no write, no new updated_at).
    Input is a validated QuestionBankImportInputSerializer.
    """
    result = BankImportResult()
    known_levels = set(Level.objects.values_list("slug", flat=True))
    for level in levels:
        if level["slug"] not in known_levels:
            level_create(slug=level["slug"], name=level["name"], order=level["order"])
            known_levels.add(level["slug"])
            result.levels_created.append(level["slug"])
    known_competencies = set(Competency.objects.values_list("slug", flat=True))
    for competency in competencies:
        if competency["slug"] not in known_competencies:
            competency_create(**competency)
            known_competencies.add(competency["slug"])
            result.competencies_created.append(competency["slug"])

    stored = {q.slug: q for q in question_list().filter(slug__in=[q["slug"] for q in questions])}
    new = [item for item in questions if item["slug"] not in stored]
    questions_create_in_bulk(actor=actor, items=new)
    result.questions_created.extend(item["slug"] for item in new)
    for item in questions:
        question = stored.get(item["slug"])
        if question is None:
            continue
        changes = _question_changes(question, item)
        if changes:
            question_update(actor=actor, question=question, **changes)
            result.questions_updated.append(item["slug"])
        else:
            result.questions_unchanged.append(item["slug"])
    return result
