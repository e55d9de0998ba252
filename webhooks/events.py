"""The events a subscription may ask for (API.md, Notifications and integrations)."""

from __future__ import annotations

# The order of API.md; the names are the `type` of each delivered body.
EVENTS: tuple[str, ...] = (
    "loop.scheduled",
    "loop.cancelled",
    "loop.decided",
    "scorecard.submitted",
    "scorecard.amended",
    "feedback.overdue",
    "calibration_report.succeeded",
    "calibration_report.failed",
    "candidate.erased",
)
# Sent by POST /webhooks/{id}/ping/ to that subscription alone, whatever its events.
PING = "webhook.ping"
DELIVERY_EVENTS: tuple[str, ...] = (*EVENTS, PING)
