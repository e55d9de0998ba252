"""Writes for loop templates: their quotas are checked against the levels and the bank."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import ApplicationError
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.generator import BankQuestion, template_fit_problems
from interviews.models import InterviewerPool, Job, LevelQuota, LoopTemplate
from interviews.services.edits import apply_changes, loggable_changes
from questionbank.models import Level, Question


def _validate_template(
    *,
    level_quotas: Mapping[str, int],
    session_count: int,
    session_minutes: int,
) -> dict[str, Level]:
    """The quotas' levels by slug, after checking that they name real levels, are non-negative
    and fit the sessions with the bank's active questions. Raises ApplicationError otherwise."""
    levels = {level.slug: level for level in Level.objects.filter(slug__in=list(level_quotas))}
    problems: dict[str, list[str]] = {}
    for slug in sorted(set(level_quotas) - set(levels)):
        problems[f"level_quotas.{slug}"] = [
            f"There is no level '{slug}'; use a slug from GET /api/v1/levels/."
        ]
    if not problems:
        bank = [
            BankQuestion(id=question_id, level=level, estimated_minutes=minutes)
            for question_id, level, minutes in Question.objects.filter(
                level_id__in=list(levels), is_active=True
            ).values_list("id", "level_id", "estimated_minutes")
        ]
        problems = template_fit_problems(
            level_quotas=level_quotas,
            level_order={slug: level.order for slug, level in levels.items()},
            session_count=session_count,
            session_minutes=session_minutes,
            bank=bank,
        )
    if problems:
        first = next(iter(problems.values()))[0]
        raise ApplicationError(InterviewsErrorCode.INVALID_TEMPLATE, first, problems)
    return levels


def _write_quotas(template: LoopTemplate, level_quotas: Mapping[str, int]) -> None:
    template.quotas.all().delete()
    LevelQuota.objects.bulk_create(
        LevelQuota(template=template, level_id=slug, count=count)
        for slug, count in sorted(level_quotas.items())
    )


@transaction.atomic
def loop_template_create(
    *,
    actor: User,
    name: str,
    job: Job,
    level_quotas: Mapping[str, int],
    session_count: int,
    session_minutes: int,
    interviewers_per_session: int,
    interviewer_pool: InterviewerPool | None = None,
    trainees_per_session: int = 0,
) -> LoopTemplate:
    """Create a template after checking its quotas against the levels and the bank."""
    _validate_template(
        level_quotas=level_quotas, session_count=session_count, session_minutes=session_minutes
    )
    template = LoopTemplate.objects.create(
        name=name,
        job=job,
        session_count=session_count,
        session_minutes=session_minutes,
        interviewers_per_session=interviewers_per_session,
        interviewer_pool=interviewer_pool,
        trainees_per_session=trainees_per_session,
        created_by=actor,
    )
    _write_quotas(template, level_quotas)
    audit_record(
        actor=actor,
        action="loop_template.created",
        target=template,
        changes={
            "level_quotas": dict(level_quotas),
            "interviewer_pool": interviewer_pool.pk if interviewer_pool else None,
            "trainees_per_session": trainees_per_session,
        },
    )
    return template


@transaction.atomic
def loop_template_update(
    *, actor: User, template: LoopTemplate, changes: Mapping[str, Any]
) -> LoopTemplate:
    """Change a template; the result is validated as a whole. Loops already generated keep
    their plans."""
    changes = dict(changes)
    level_quotas = changes.pop("level_quotas", None)
    current_quotas = {q.level_id: q.count for q in template.quotas.all()}
    _validate_template(
        level_quotas=level_quotas if level_quotas is not None else current_quotas,
        session_count=changes.get("session_count", template.session_count),
        session_minutes=changes.get("session_minutes", template.session_minutes),
    )
    apply_changes(template, changes)
    if level_quotas is not None:
        _write_quotas(template, level_quotas)
    logged = loggable_changes(changes)
    if level_quotas is not None:
        logged["level_quotas"] = dict(level_quotas)
    audit_record(actor=actor, action="loop_template.updated", target=template, changes=logged)
    return template
