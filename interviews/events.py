"""Webhook events about loops (`loop.scheduled`, `loop.cancelled`, `loop.decided`).

The payload is built only when someone subscribes to the event (webhooks.services
.webhook_event_emit calls the function it is given); it is the loop as an admin reads it.
"""

from __future__ import annotations

from typing import Any

from interviews.models import Loop
from webhooks.services import webhook_event_emit


def _loop_data(loop_id: int) -> dict[str, Any]:
    # Imported here: the serializers import the selectors, which the services import too.
    from interviews.selectors import _sessions_prefetch
    from interviews.serializers import LoopOutputSerializer

    loop = (
        Loop.objects.select_related("template")
        .prefetch_related(_sessions_prefetch())
        .get(pk=loop_id)
    )
    resource = LoopOutputSerializer(loop).data
    # What an admin reads (the serializer shows the note only to a request's user who may).
    resource["decision_note"] = loop.decision_note
    return {
        "loop_id": loop.pk,
        "candidate_id": loop.candidate_id,
        "job_id": loop.template.job_id,
        "loop": resource,
    }


def loop_event_emit(*, event: str, loop: Loop) -> None:
    """Queue `event` about `loop` for its subscribers, in the caller's transaction."""
    webhook_event_emit(event=event, data=lambda: _loop_data(loop.pk))
