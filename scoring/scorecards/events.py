"""Webhook events about scorecards (`scorecard.submitted`, `scorecard.amended`).

The payload is built only when someone subscribes to the event (webhooks.services
.webhook_event_emit calls the function it is given): with no subscriber a submission pays one
cache read. It is the scorecard as an admin reads it (GET /api/v1/scorecards/{id}/).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from scoring.scorecards.models import Scorecard
from scoring.scorecards.selectors import _ratings_with_question
from scoring.scorecards.serializers import ScorecardOutputSerializer
from webhooks.services import webhook_event_emit


def _scorecard_data(scorecard_id: int) -> dict[str, Any]:
    scorecard = (
        Scorecard.objects.select_related("loop__template")
        .prefetch_related(Prefetch("ratings", _ratings_with_question(), to_attr="rating_rows"))
        .get(pk=scorecard_id)
    )
    return {
        "scorecard_id": scorecard.pk,
        "session_id": scorecard.session_id,
        "loop_id": scorecard.loop_id,
        "candidate_id": scorecard.loop.candidate_id,
        "job_id": scorecard.loop.template.job_id,
        "interviewer_id": scorecard.interviewer_id,
        "scorecard": ScorecardOutputSerializer(scorecard).data,
    }


def scorecard_event_emit(*, event: str, scorecard_id: int) -> None:
    """Queue `event` about the scorecard for its subscribers, in the caller's transaction."""
    webhook_event_emit(event=event, data=lambda: _scorecard_data(scorecard_id))
