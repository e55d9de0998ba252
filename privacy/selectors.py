"""Reads for candidate data protection: the export document (docs/PRIVACY.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError, ErrorCode
from core.models import AuditEvent
from interviews.models import Candidate, InterviewSession, Loop, SessionInterviewer, SessionQuestion
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision


def _when(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def candidate_export(*, candidate_id: int) -> dict[str, Any]:
    """Everything held about one candidate, as one JSON-ready document.

    Nine queries whatever the number of loops, sessions, scorecards and revisions: each table is
    read once, in bulk, and the document is assembled in Python. Withdrawn ratings are included
    (they are held, even if no other read shows them), and so are drafts.
    """
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, f"There is no candidate {candidate_id}.", status_code=404
        )
    loops = list(
        Loop.objects.filter(candidate_id=candidate.pk)
        .select_related("template__job")
        .order_by("id")
    )
    loop_ids = [loop.pk for loop in loops]
    sessions = list(
        InterviewSession.objects.filter(loop_id__in=loop_ids).order_by("loop_id", "order")
    )
    seats = SessionInterviewer.objects.filter(loop_id__in=loop_ids).order_by(
        "session_id", "position"
    )
    questions = (
        SessionQuestion.objects.filter(loop_id__in=loop_ids)
        .select_related("question")
        .order_by("session_id", "order")
    )
    scorecards = list(Scorecard.objects.filter(loop_id__in=loop_ids).order_by("id"))
    scorecard_ids = [card.pk for card in scorecards]
    ratings = CriterionRating.objects.filter(scorecard_id__in=scorecard_ids).order_by(
        "scorecard_id", "id"
    )
    revisions = ScorecardRevision.objects.filter(scorecard_id__in=scorecard_ids).order_by(
        "scorecard_id", "revision"
    )
    about = Q(target_type=Candidate._meta.label_lower, target_id=str(candidate.pk))
    about |= Q(target_type=Loop._meta.label_lower, target_id__in=[str(i) for i in loop_ids])
    about |= Q(
        target_type=Scorecard._meta.label_lower, target_id__in=[str(i) for i in scorecard_ids]
    )
    audit = AuditEvent.objects.filter(about).order_by("created_at", "id")

    seats_of: dict[int, list[dict]] = defaultdict(list)
    for seat in seats:
        seats_of[seat.session_id].append(
            {"interviewer": seat.interviewer_id, "position": seat.position}
        )
    questions_of: dict[int, list[dict]] = defaultdict(list)
    for asked in questions:
        questions_of[asked.session_id].append(
            {
                "question": asked.question_id,
                "slug": asked.question.slug,
                "order": asked.order,
                "estimated_minutes": asked.estimated_minutes,
            }
        )
    sessions_of: dict[int, list[dict]] = defaultdict(list)
    for session in sessions:
        sessions_of[session.loop_id].append(
            {
                "id": session.pk,
                "order": session.order,
                "duration_minutes": session.duration_minutes,
                "scheduled_at": _when(session.scheduled_at),
                "interviewers": seats_of[session.pk],
                "questions": questions_of[session.pk],
            }
        )
    ratings_of: dict[int, list[dict]] = defaultdict(list)
    for rating in ratings:
        ratings_of[rating.scorecard_id].append(
            {
                "criterion": rating.criterion_id,
                "rating": rating.rating,
                "first_rating": rating.first_rating,
                "note": rating.note,
                "in_first_submission": rating.in_first_submission,
                "withdrawn": rating.withdrawn,
            }
        )
    revisions_of: dict[int, list[dict]] = defaultdict(list)
    for revision in revisions:
        revisions_of[revision.scorecard_id].append(
            {
                "revision": revision.revision,
                "amended_by": revision.amended_by_id,
                "amended_at": _when(revision.amended_at),
                "reason": revision.reason,
                "previous": revision.previous,
                "author_could_read_peers": revision.author_could_read_peers,
            }
        )
    scorecards_of: dict[int, list[dict]] = defaultdict(list)
    for card in scorecards:
        scorecards_of[card.loop_id].append(
            {
                "id": card.pk,
                "session": card.session_id,
                "interviewer": card.interviewer_id,
                "status": card.status,
                "overall_recommendation": card.overall_recommendation,
                "first_recommendation": card.first_recommendation,
                "summary": card.summary,
                "revision": card.revision,
                "submitted_at": _when(card.submitted_at),
                "created_at": _when(card.created_at),
                "updated_at": _when(card.updated_at),
                "ratings": ratings_of[card.pk],
                "revisions": revisions_of[card.pk],
            }
        )
    return {
        "exported_at": _when(timezone.now()),
        "candidate": {
            "id": candidate.pk,
            "name": candidate.name,
            "email": candidate.email,
            "external_id": candidate.external_id,
            "created_at": _when(candidate.created_at),
            "erased_at": _when(candidate.erased_at),
        },
        "loops": [
            {
                "id": loop.pk,
                "job": {"id": loop.template.job_id, "title": loop.template.job.title},
                "template": loop.template_id,
                "status": loop.status,
                "decision": loop.decision,
                "decision_note": loop.decision_note,
                "decided_by": loop.decided_by_id,
                "decided_at": _when(loop.decided_at),
                "created_by": loop.created_by_id,
                "created_at": _when(loop.created_at),
                "updated_at": _when(loop.updated_at),
                "sessions": sessions_of[loop.pk],
                "scorecards": scorecards_of[loop.pk],
            }
            for loop in loops
        ],
        "audit": [
            {
                "id": event.pk,
                "actor": event.actor_id,
                "action": event.action,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "changes": event.changes,
                "created_at": _when(event.created_at),
            }
            for event in audit
        ],
    }
