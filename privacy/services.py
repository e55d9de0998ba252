"""Erasure and retention of candidates' personal data (docs/PRIVACY.md).

`candidate_erase` pseudonymises one candidate and replaces every free text about them with
"[erased]", in one transaction; the numbers the statistics read (ratings, first ratings,
recommendations, first recommendations, decisions, ids and times) are not touched, so a
calibration report over the same data gives the same figures before and after.

Locks, in the order every writer of these rows takes them (so no deadlock):
1. the candidate's row (`lock_candidate` in loop generation and question swaps takes it too:
   no new loop or question appears);
2. the scorecard rows of the candidate's loops (draft edits, submissions and amendments lock
   their scorecard first);
3. the loop rows (submissions, amendments and decisions lock the loop after the scorecard;
   scheduling locks it; a new scorecard, draft or submitted, locks it before its insert).
Every one of those writers re-reads `Candidate.erased_at` after its lock and refuses with a 409,
so once the erasure commits nothing new is written about the candidate. The rewrites below are
statements issued after the locks: under READ COMMITTED each sees every scorecard committed
while we waited (a scorecard inserted concurrently is either committed before our UPDATEs, and
erased by them, or refused after our commit).

Retention (`candidates_erase_expired`) may run twice at once (two beat ticks, a retried task):
each candidate is claimed with `SELECT ... FOR UPDATE SKIP LOCKED WHERE erased_at IS NULL` in its
own transaction and its last activity is checked again under that lock, so two runs never erase
one candidate twice and a candidate that became active meanwhile is kept.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError, ErrorCode
from core.models import AuditEvent, IdempotencyRecord
from core.services import audit_record
from interviews.models import Candidate, Loop
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision
from webhooks.services import webhook_deliveries_scrub, webhook_event_emit

logger = logging.getLogger(__name__)

ERASED = "[erased]"
# A stored string that merely contains an erased value (a sentence quoting the summary, a
# message naming the candidate) is replaced whole, when the value is at least this long; a
# shorter value ("Al", "ok") is replaced only where a string equals it, so that the words of
# other people's texts are not erased by coincidence.
SUBSTRING_MATCH_MIN_LENGTH = 6


def erased_name(candidate_id: int) -> str:
    return f"Erased candidate {candidate_id}"


def _not_found(candidate_id: int) -> ApplicationError:
    return ApplicationError(
        ErrorCode.NOT_FOUND,
        f"There is no candidate {candidate_id}.",
        status_code=status.HTTP_404_NOT_FOUND,
    )


# --- the scrubber: replace erased values inside any stored JSON ---------------------------------


def _scrubber(replacements: dict[str, str]) -> Callable[[Any], Any]:
    """A function that returns its JSON argument with every string holding an erased value
    replaced: a string equal to one by that value's replacement, a string containing one (of
    SUBSTRING_MATCH_MIN_LENGTH or more characters) by "[erased]". Keys are kept."""
    long_values = [v for v in replacements if len(v) >= SUBSTRING_MATCH_MIN_LENGTH]

    def scrub_string(text: str) -> str:
        if text in replacements:
            return replacements[text]
        if any(value in text for value in long_values):
            return ERASED
        return text

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return scrub_string(value)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    return scrub


def _previous_erased(previous: Any) -> Any:
    """A revision's `previous` with its texts (summary, rating notes) erased, numbers kept."""
    if not isinstance(previous, dict):
        return previous
    result = dict(previous)
    if result.get("summary"):
        result["summary"] = ERASED
    ratings = result.get("ratings")
    if isinstance(ratings, list):
        result["ratings"] = [
            {**rating, "note": ERASED}
            if isinstance(rating, dict) and rating.get("note")
            else rating
            for rating in ratings
        ]
    return result


def _strings_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)


# --- erase -------------------------------------------------------------------------------------


@transaction.atomic
def candidate_erase(*, actor: User | None, candidate_id: int, reason: str) -> Candidate:
    """Pseudonymise the candidate and erase every free text about them; return the candidate.

    Idempotent: a candidate already erased is returned as it is (same `erased_at`), and no
    second audit entry is written. `actor` None is the retention job. See the module docstring
    for the locks; docs/PRIVACY.md for every place reached.
    """
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        raise _not_found(candidate_id)
    if candidate.erased_at is not None:
        return candidate

    loop_ids = list(Loop.objects.filter(candidate_id=candidate.pk).values_list("id", flat=True))
    # Lock order shared with the scorecard writes: scorecard rows, then loop rows.
    list(Scorecard.objects.select_for_update().filter(loop_id__in=loop_ids).values_list("id"))
    list(Loop.objects.select_for_update().filter(pk__in=loop_ids).values_list("id"))

    scorecards = Scorecard.objects.filter(loop_id__in=loop_ids)
    scorecard_ids = list(scorecards.values_list("id", flat=True))
    ratings = CriterionRating.objects.filter(scorecard_id__in=scorecard_ids)
    revisions = list(ScorecardRevision.objects.filter(scorecard_id__in=scorecard_ids))
    loops = Loop.objects.filter(pk__in=loop_ids)

    # Every value to be erased, with what replaces it wherever else it was copied.
    replacements: dict[str, str] = {}
    for text in (
        *scorecards.exclude(summary="").values_list("summary", flat=True),
        *ratings.exclude(note="").values_list("note", flat=True),
        *loops.exclude(decision_note="").values_list("decision_note", flat=True),
        *(revision.reason for revision in revisions),
        *(text for revision in revisions for text in _texts_of_previous(revision.previous)),
    ):
        if text and text != ERASED:
            replacements[text] = ERASED
    for value in (candidate.email, candidate.external_id):
        if value:
            replacements[value] = ""
    if candidate.name:
        replacements[candidate.name] = erased_name(candidate.pk)
    scrub = _scrubber(replacements)

    scorecards.exclude(summary="").update(summary=ERASED)
    ratings.exclude(note="").update(note=ERASED)
    loops.exclude(decision_note="").update(decision_note=ERASED)
    for revision in revisions:
        revision.reason = ERASED
        revision.previous = _previous_erased(revision.previous)
    ScorecardRevision.objects.bulk_update(revisions, ["reason", "previous"])

    _scrub_audit_trail(
        scrub=scrub, candidate_id=candidate.pk, loop_ids=loop_ids, scorecard_ids=scorecard_ids
    )
    _scrub_idempotency_records(scrub=scrub)
    _scrub_admin_log(candidate_id=candidate.pk)
    _scrub_webhook_deliveries(scrub=scrub, candidate_id=candidate.pk, loop_ids=loop_ids)

    candidate.name = erased_name(candidate.pk)
    candidate.email = ""
    candidate.external_id = ""
    candidate.erased_at = timezone.now()
    candidate.save(update_fields=["name", "email", "external_id", "erased_at"])
    # Who erased whom and why; the reason itself is scrubbed in case it quotes an erased value.
    audit_record(
        actor=actor,
        action="candidate.erased",
        target=candidate,
        changes={
            "reason": scrub(reason),
            "loops": len(loop_ids),
            "scorecards": len(scorecard_ids),
        },
    )
    webhook_event_emit(
        event="candidate.erased",
        data={
            "candidate_id": candidate.pk,
            "candidate": {"id": candidate.pk, "erased_at": candidate.erased_at.isoformat()},
        },
    )
    return candidate


def _texts_of_previous(previous: Any) -> list[str]:
    if not isinstance(previous, dict):
        return []
    texts = [previous.get("summary") or ""]
    for rating in previous.get("ratings") or []:
        if isinstance(rating, dict):
            texts.append(rating.get("note") or "")
    return [text for text in texts if isinstance(text, str) and text]


def _scrub_audit_trail(
    *, scrub: Callable[[Any], Any], candidate_id: int, loop_ids: list[int], scorecard_ids: list[int]
) -> None:
    """Audit entries about the candidate, their loops and scorecards keep who did what when;
    their old and new values lose every erased value."""
    about = Q(target_type=Candidate._meta.label_lower, target_id=str(candidate_id))
    if loop_ids:
        about |= Q(target_type=Loop._meta.label_lower, target_id__in=[str(i) for i in loop_ids])
    if scorecard_ids:
        about |= Q(
            target_type=Scorecard._meta.label_lower,
            target_id__in=[str(i) for i in scorecard_ids],
        )
    changed = []
    for event in AuditEvent.objects.filter(about).only("id", "changes"):
        scrubbed = scrub(event.changes)
        if scrubbed != event.changes:
            event.changes = scrubbed
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["changes"])


def _scrub_idempotency_records(*, scrub: Callable[[Any], Any]) -> None:
    """Stored idempotent responses lose every erased value; the records themselves stay.

    Deleting a record would let a retry of the same request run again (a second candidate
    created from a retried POST /candidates/); rewriting it keeps the retry safe and replays the
    pseudonymised response. Every stored response is read: no column says which candidate a
    response is about (a record's `created_at` is even earlier than the candidate it created),
    and records live IDEMPOTENCY_TTL_HOURS (default 24), so this is at most a day of creates.
    """
    changed = []
    records = IdempotencyRecord.objects.filter(response_body__isnull=False)
    for record in records.only("id", "response_body").iterator(chunk_size=2000):
        scrubbed = scrub(record.response_body)
        if scrubbed != record.response_body:
            record.response_body = scrubbed
            changed.append(record)
    IdempotencyRecord.objects.bulk_update(changed, ["response_body"])


def _scrub_admin_log(*, candidate_id: int) -> None:
    """The admin site's change log names the object it changed (`str(candidate)`: the name)."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Candidate), object_id=str(candidate_id)
    ).update(object_repr=erased_name(candidate_id))


def _scrub_webhook_deliveries(
    *, scrub: Callable[[Any], Any], candidate_id: int, loop_ids: list[int]
) -> None:
    """Every stored webhook payload about the candidate, their loops or scorecards (each
    carries `candidate_id` or `loop_id`; webhooks.services.webhook_event_emit) is rewritten
    with `scrub`, in this same transaction, before the `candidate.erased` event itself is
    queued (its payload carries only ids). No receiver's answer body is stored, only its
    status code."""
    webhook_deliveries_scrub(candidate_id=candidate_id, loop_ids=loop_ids, scrub=scrub)


# --- retention ---------------------------------------------------------------------------------


def _last_activity(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """Annotate `last_activity`: the latest of the candidate's creation and of their loops'
    creation, update and decision and their scorecards' submission."""
    loops = Loop.objects.filter(candidate_id=OuterRef("pk")).values("candidate_id")
    loop_latest = loops.annotate(
        latest=Greatest(Max("created_at"), Max("updated_at"), Max("decided_at"))
    ).values("latest")
    submitted = (
        Scorecard.objects.filter(loop__candidate_id=OuterRef("pk"))
        .values("loop__candidate_id")
        .annotate(latest=Max("submitted_at"))
        .values("latest")
    )
    field = DateTimeField()
    # PostgreSQL's GREATEST skips NULLs; Coalesce keeps the expression non-null on any backend.
    return candidates.annotate(
        last_activity=Greatest(
            "created_at",
            Coalesce(Subquery(loop_latest, output_field=field), "created_at"),
            Coalesce(Subquery(submitted, output_field=field), "created_at"),
        )
    )


def candidates_erase_expired(*, now: datetime.datetime | None = None) -> list[int]:
    """Erase every candidate without loop activity for CANDIDATE_RETENTION_DAYS; return their
    ids. Does nothing when the setting is unset (keep forever).

    Each candidate is claimed and erased in a transaction of its own (one failure does not undo
    the others, and locks are held briefly); safe to run twice at once (module docstring).
    """
    days = settings.CANDIDATE_RETENTION_DAYS
    if days is None:
        return []
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    expired = _last_activity(Candidate.objects.filter(erased_at__isnull=True)).filter(
        last_activity__lt=cutoff
    )
    erased = []
    for candidate_id in expired.order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            claimed = (
                Candidate.objects.select_for_update(skip_locked=True)
                .filter(pk=candidate_id, erased_at__isnull=True)
                .values_list("id", flat=True)
                .first()
            )
            # Checked again under the lock: a loop may have been written since the listing.
            still_expired = (
                claimed is not None
                and _last_activity(Candidate.objects.filter(pk=candidate_id))
                .filter(last_activity__lt=cutoff)
                .exists()
            )
            if not still_expired:
                continue  # erased or claimed by another run, or active again since the listing
            candidate_erase(
                actor=None,
                candidate_id=candidate_id,
                reason=f"Retention: no loop activity for {days} days (CANDIDATE_RETENTION_DAYS).",
            )
        erased.append(candidate_id)
    logger.info("Retention erased %d candidates: %s", len(erased), erased)
    return erased
