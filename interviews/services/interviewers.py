"""Writes of an interviewer's load settings."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from core.services import audit_record
from interviews.models import InterviewerProfile


@transaction.atomic
def interviewer_set_weekly_limit(
    *, actor: User, interviewer: User, weekly_limit: int | None
) -> InterviewerProfile:
    """Set (or, with None, lift) the most sessions a week the interviewer takes; the profile is
    created on first use."""
    profile, _ = InterviewerProfile.objects.select_for_update().get_or_create(user=interviewer)
    before = profile.weekly_limit
    profile.weekly_limit = weekly_limit
    profile.full_clean()
    profile.save(update_fields=["weekly_limit"])
    audit_record(
        actor=actor,
        action="interviewer.weekly_limit_set",
        target=interviewer,
        changes={"weekly_limit": [before, weekly_limit]},
    )
    return profile
