"""Writes for candidates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework import status

from core.errors import ApplicationError
from core.services import audit_record
from interviews.errors import InterviewsErrorCode
from interviews.models import Candidate
from interviews.services.edits import apply_changes


@transaction.atomic
def candidate_create(
    *, actor: User, name: str, email: str = "", external_id: str = ""
) -> Candidate:
    """Add a candidate; `external_id` (an ATS id), when given, is unique."""
    candidate = Candidate.objects.create(name=name, email=email, external_id=external_id)
    audit_record(actor=actor, action="candidate.created", target=candidate)
    return candidate


def candidate_refuse_if_erased(candidate: Candidate, *, field: str = "candidate") -> None:
    """409 when the candidate was erased: nothing may be written about them again, or the
    erasure would be undone by the next write. Precondition: `candidate` was read under a lock
    the erasure also takes (the candidate's or one of its loops' row locks), so `erased_at` is
    the committed value."""
    if candidate.erased_at is not None:
        raise ApplicationError(
            InterviewsErrorCode.CANDIDATE_ERASED,
            f"Candidate {candidate.pk} was erased on {candidate.erased_at.isoformat()}; "
            "nothing more can be recorded about them. Add them again as a new candidate if "
            "they apply again.",
            {field: [f"Candidate {candidate.pk} was erased."]},
            status_code=status.HTTP_409_CONFLICT,
        )


@transaction.atomic
def candidate_update(*, actor: User, candidate: Candidate, changes: Mapping[str, Any]) -> Candidate:
    """Change a candidate's name, e-mail address or external id (409 once erased)."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    candidate_refuse_if_erased(candidate, field="id")
    apply_changes(candidate, changes)
    audit_record(actor=actor, action="candidate.updated", target=candidate, changes=sorted(changes))
    return candidate
