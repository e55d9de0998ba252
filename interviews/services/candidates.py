"""Writes for candidates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core.services import audit_record
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


@transaction.atomic
def candidate_update(*, actor: User, candidate: Candidate, changes: Mapping[str, Any]) -> Candidate:
    """Change a candidate's name, e-mail address or external id."""
    apply_changes(candidate, changes)
    audit_record(actor=actor, action="candidate.updated", target=candidate, changes=sorted(changes))
    return candidate
