"""Writes to the question bank: levels, competencies, questions and their rubric versions."""

from __future__ import annotations

import enum
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.errors import ApplicationError
from core.services import audit_record
from questionbank.models import Competency, Level, Question, RubricCriterion


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
        match = next(
            (
                c
                for c in unmatched.values()
                if c.text == item["text"] and abs(c.weight - item["weight"]) < 1e-9
            ),
            None,
        )
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
