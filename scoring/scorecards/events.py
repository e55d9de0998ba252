"""Webhook events about scorecards (`scorecard.submitted`, `scorecard.amended`).

The payload is built only when someone subscribes to the event (webhooks.services
.webhook_event_emit calls the function it is given): with no subscriber a submission pays one
cache read. It is the scorecard as an admin reads it (GET /api/v1/scorecards/{id}/), with the
ids of its session, loop and interviewer (the loop id lets candidate erasure find it).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from scoring.scorecards.models import Scorecard
from scoring.scorecards.selectors import _ratings_with_question
from scoring.scorecards.serializers import ScorecardOutputSerializer
from webhooks.services import webhook_event_emit


def _scorecard_data(scorecard: Scorecard) -> dict[str, Any]:
    if not hasattr(scorecard, "rating_rows"):
        # Ratings as the API reads them; a scorecard just created has them in memory already
        # (the submission's fast path then costs no query here).
        scorecard = Scorecard.objects.prefetch_related(
            Prefetch("ratings", _ratings_with_question(), to_attr="rating_rows")
        ).get(pk=scorecard.pk)
    return {
        "scorecard_id": scorecard.pk,
        "session_id": scorecard.session_id,
        "loop_id": scorecard.loop_id,
        "interviewer_id": scorecard.interviewer_id,
        "scorecard": ScorecardOutputSerializer(scorecard).data,
    }


def scorecard_event_emit(*, event: str, scorecard: Scorecard) -> None:
    """Queue `event` about `scorecard` (as saved) for its subscribers, in the caller's
    transaction."""
    webhook_event_emit(event=event, data=lambda: _scorecard_data(scorecard))
