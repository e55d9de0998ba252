"""Writes for calibration reports: request one, run it (in a Celery worker), requeue stale ones.

Life of a report: `queued` (stored, task sent on commit) -> `running` (claimed by exactly one
worker with a conditional update; `progress` and `heartbeat_at` move while it works) ->
`succeeded` (result stored) or `failed` (a message saying what to do). Nothing is left `running`
for good: tasks are acknowledged late (a worker that dies mid-task gets its message redelivered),
and the beat task `calibration_reports_requeue_stale_task` re-sends reports that were never sent
(the broker was down at request time) or whose worker stopped sending heartbeats. After
`MAX_ATTEMPTS` claims a report fails instead of looping forever.

A scope with no submitted scorecards ends `failed` with "No submitted scorecards match these
filters ...": an empty report would look like a result, and the recruiter's next step is to widen
the filters.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import logging
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from core.errors import ApplicationError
from core.services import audit_record
from interviews import permissions
from interviews.models import Job
from questionbank.models import Level, Question
from scoring.calibration import report as calibration_statistics
from scoring.calibration.trainees import trainee_calibration
from scoring.reports.models import CalibrationReport
from scoring.reports.selectors import CalibrationScope, calibration_report_inputs_load
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Share of the progress bar given to loading the scorecards; the statistics get the rest.
_LOADED_PROGRESS = 30
_STATISTICS_PROGRESS_SPAN = 69


class CalibrationReportErrorCode(enum.StrEnum):
    UNKNOWN_FILTER_VALUE = "unknown_filter_value"
    REPORT_NOT_READY = "report_not_ready"
    UNKNOWN_EXPORT_FORMAT = "unknown_export_format"
    UNKNOWN_CHART_KIND = "unknown_chart_kind"


class CalibrationReportFailed(Exception):
    """The report cannot be computed; the message is shown to the recruiter as `error`."""


def _missing(wanted: list[Any], found: set[Any]) -> list[Any]:
    return [value for value in wanted if value not in found]


def calibration_report_filters_check(
    *, filters: dict[str, Any], job_scope: list[int] | None = None
) -> None:
    """Refuse filters that name a job, interviewer, level or question that does not exist, or a
    job outside `job_scope` (the jobs a hiring manager may calibrate; None: any job).

    Raises ApplicationError (400) whose `fields` name each unknown id, so the caller can fix the
    request instead of receiving an empty report later.
    """

    fields: dict[str, list[str]] = {}
    job = filters.get("job")
    if job is not None and job_scope is not None and job not in job_scope:
        # Same answer whether the job exists or not: a job outside your teams is not yours to see.
        fields["filters.job"] = [
            f"You are not on the team of job {job}; your reports cover only your jobs"
            f" ({', '.join(map(str, job_scope)) or 'none'})."
        ]
    elif job is not None and not Job.objects.filter(id=job).exists():
        fields["filters.job"] = [f"No job has id {job}."]
    checks = (
        ("interviewers", get_user_model().objects, "id", "user"),
        ("levels", Level.objects, "slug", "level"),
        ("questions", Question.objects, "id", "question"),
    )
    for name, manager, key, noun in checks:
        wanted = filters.get(name) or []
        if not wanted:
            continue
        found = set(manager.filter(**{f"{key}__in": wanted}).values_list(key, flat=True))
        missing = _missing(wanted, found)
        if missing:
            listed = ", ".join(str(value) for value in missing)
            fields[f"filters.{name}"] = [f"Unknown {noun} {key}(s): {listed}."]
    if fields:
        first = next(iter(fields.values()))[0]
        raise ApplicationError(
            CalibrationReportErrorCode.UNKNOWN_FILTER_VALUE,
            f"{first} Remove it from the filters or use an existing one.",
            fields,
        )


@transaction.atomic
def calibration_report_request(*, requested_by, filters: dict[str, Any]) -> CalibrationReport:
    """Store a queued report for `filters` and send its task once the row is committed.

    `filters` are already validated in shape (types, since <= until); here every id they name
    must exist. The task is sent by `transaction.on_commit(..., robust=True)`: a worker never
    looks for a row that is not committed yet, and a broker that is down cannot fail the request
    (the report stays queued and the beat task sends it later).
    """
    job_scope = permissions.calibrated_job_ids(requested_by)
    calibration_report_filters_check(filters=filters, job_scope=job_scope)
    report = CalibrationReport.objects.create(
        requested_by=requested_by, filters=filters, job_scope=job_scope
    )
    audit_record(
        actor=requested_by,
        action="calibration_report.requested",
        target=report,
        changes={"filters": filters},
    )
    transaction.on_commit(
        functools.partial(calibration_report_enqueue, report_id=report.id), robust=True
    )
    return report


def calibration_report_enqueue(*, report_id: int) -> bool:
    """Send the task for a report; False (logged) when the broker cannot take it right now.

    Not atomic: it only publishes a message. A report whose publish failed stays `queued`, and
    `calibration_reports_requeue_stale` sends it once it has waited longer than
    CALIBRATION_STALE_AFTER_SECONDS.
    """
    # The one import cycle of the project, on purpose: the task module calls this module's
    # services (tasks are thin), and this service enqueues that task. Importing here, at call
    # time, keeps both modules importable on their own.
    from scoring.reports.tasks import calibration_report_run_task

    try:
        calibration_report_run_task.delay(report_id)
    except Exception:  # kombu/redis raise many types for an unreachable broker
        logger.warning(
            "calibration report %s stays queued: the task could not be sent to the broker; "
            "the requeue beat task will send it later",
            report_id,
            exc_info=True,
        )
        return False
    return True


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.CALIBRATION_STALE_AFTER_SECONDS)


def _claim(report_id: int, now: dt.datetime) -> int | None:
    """Queued -> running, or take over a running report whose worker stopped heartbeating.

    One conditional UPDATE: of two workers holding the same message, only one changes a row.
    Returns the attempt number this worker owns, or None when there is nothing to claim.
    """
    claimable = Q(status=CalibrationReport.Status.QUEUED) | Q(
        status=CalibrationReport.Status.RUNNING, heartbeat_at__lt=_stale_before(now)
    )
    claimed = CalibrationReport.objects.filter(
        claimable, id=report_id, attempts__lt=MAX_ATTEMPTS
    ).update(
        status=CalibrationReport.Status.RUNNING,
        attempts=F("attempts") + 1,
        progress=0,
        error="",
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
    )
    if not claimed:
        return None
    return CalibrationReport.objects.values_list("attempts", flat=True).get(id=report_id)


def _owned(report_id: int, attempt: int):
    # Writes of an attempt that another worker has since taken over change nothing.
    return CalibrationReport.objects.filter(
        id=report_id, status=CalibrationReport.Status.RUNNING, attempts=attempt
    )


def _report_data(report_id: int) -> dict[str, Any]:
    from scoring.reports.serializers import CalibrationReportListOutputSerializer

    # Without `result` (it can be megabytes): the receiver reads it from the API by id.
    report = CalibrationReport.objects.get(pk=report_id)
    return {"report_id": report_id, "report": CalibrationReportListOutputSerializer(report).data}


@transaction.atomic
def _finish(rows, *, report_id: int, **fields: Any) -> bool:
    """The final write of a report (`rows`: the one row, filtered on who owns it) and, in the
    same transaction, its `calibration_report.succeeded` or `.failed` webhook event."""
    if not rows.update(**fields):
        return False
    webhook_event_emit(
        event=f"calibration_report.{fields['status']}", data=lambda: _report_data(report_id)
    )
    return True


def _heartbeat(report_id: int, attempt: int, percent: int) -> None:
    _owned(report_id, attempt).update(
        progress=max(0, min(99, int(percent))), heartbeat_at=timezone.now()
    )


def _json_text(value: Any) -> str:
    """The result as strict JSON text: PostgreSQL's jsonb refuses NaN and infinities.

    The statistics already return plain JSON types: one strict C-speed `json.dumps` gives the
    text (stored as it is, see `_stored_json`), and only when it refuses does a walk of the whole
    result in Python replace the non-finite floats by null first."""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return json.dumps(_json_safe_walk(value), allow_nan=False)


def _stored_json(text: str) -> Cast:
    """JSON text for a JSONField column as it is: the field would dump the value a second time
    (a 10^6-rating report is ~3 MB of JSON, ~55 ms a dump)."""
    return Cast(Value(text), output_field=models.JSONField())


def _json_safe_walk(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe_walk(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe_walk(v) for v in value]
    return value


def _failure_message(report_id: int, exc: Exception) -> str:
    if isinstance(exc, CalibrationReportFailed):
        return str(exc)
    detail = str(exc).strip() or type(exc).__name__
    return (
        f"The report could not be computed ({type(exc).__name__}: {detail}). Request it again; "
        f"if it fails the same way, narrow the filters or send report id {report_id} to support."
    )


def calibration_report_run(*, report_id: int) -> CalibrationReport | None:
    """Compute a report: claim it, load the scope into arrays, run the statistics, store.

    Returns the finished report, or None when this call had nothing to do (already claimed by a
    live worker, finished, out of attempts, or deleted): running a task twice is harmless.

    Deliberately not one transaction: progress and heartbeats must be visible to readers and to
    the requeue task while the statistics run. Every write after the claim is conditional on this
    attempt still owning the row, so a late worker cannot overwrite a newer attempt's result.
    Any exception ends the report `failed` with a message the recruiter can act on.
    """

    attempt = _claim(report_id, timezone.now())
    if attempt is None:
        logger.info("calibration report %s: nothing to claim", report_id)
        return None
    filters, job_scope = CalibrationReport.objects.values_list("filters", "job_scope").get(
        id=report_id
    )
    try:
        scope = CalibrationScope.from_filters(filters, job_scope)
        # The trainees' comparison is read in the same snapshot as the main statistics'.
        inputs, trainee_inputs = calibration_report_inputs_load(scope=scope)
        if inputs.card_interviewer.size == 0 and inputs.rating.size == 0:
            raise CalibrationReportFailed(
                f"No submitted scorecards match these filters ({scope.describe()}). "
                "Widen the filters (a longer date range, more interviewers, levels or "
                "questions) and request a new report."
            )
        trainees = trainee_calibration(trainee_inputs)
        del trainee_inputs
        _heartbeat(report_id, attempt, _LOADED_PROGRESS)

        def on_progress(percent: int) -> None:
            share = _STATISTICS_PROGRESS_SPAN * max(0, min(100, int(percent))) // 100
            _heartbeat(report_id, attempt, _LOADED_PROGRESS + share)

        result = calibration_statistics.build_report(inputs, progress=on_progress)
        del inputs
        result["trainees"] = trainees
        _finish(
            _owned(report_id, attempt),
            report_id=report_id,
            status=CalibrationReport.Status.SUCCEEDED,
            progress=100,
            result=_stored_json(_json_text(result)),
            error="",
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    except Exception as exc:
        # Every failure must end the report; the message goes to the recruiter, the trace to logs.
        logger.exception("calibration report %s attempt %s failed", report_id, attempt)
        _finish(
            _owned(report_id, attempt),
            report_id=report_id,
            status=CalibrationReport.Status.FAILED,
            error=_failure_message(report_id, exc),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    # Without the result: it was just written (megabytes to read back and decode for a caller
    # that wants the state); `report.result` still loads it when asked.
    return CalibrationReport.objects.defer("result").filter(id=report_id).first()


def calibration_reports_requeue_stale(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Re-send reports nobody is working on; fail those that have used up their attempts.

    Stale means: `queued` and not sent (or re-sent) for CALIBRATION_STALE_AFTER_SECONDS (the
    publish failed, or the message was lost), or `running` with no heartbeat for that long (its
    worker died). A stale report that has been claimed MAX_ATTEMPTS times fails with a message;
    any other is set back to `queued` with `heartbeat_at` = now (when it was re-sent) and its
    task is sent again. Each change is a conditional update, so two beat runs cannot both send.
    Returns the ids {"requeued": [...], "failed": [...]}.
    """
    now = now or timezone.now()
    cutoff = _stale_before(now)
    stale = CalibrationReport.objects.annotate(
        last_sign=Coalesce("heartbeat_at", "created_at")
    ).filter(
        status__in=[CalibrationReport.Status.QUEUED, CalibrationReport.Status.RUNNING],
        last_sign__lt=cutoff,
    )
    failed_ids = list(stale.filter(attempts__gte=MAX_ATTEMPTS).values_list("id", flat=True))
    failed = []
    for report_id in failed_ids:
        changed = _finish(
            stale.filter(id=report_id, attempts__gte=MAX_ATTEMPTS),
            report_id=report_id,
            status=CalibrationReport.Status.FAILED,
            error=(
                f"The report was started {MAX_ATTEMPTS} times and its worker stopped each time "
                "(usually it ran out of memory or was restarted). Narrow the filters (fewer "
                "jobs, a shorter date range) and request a new report."
            ),
            finished_at=now,
        )
        if changed:
            failed.append(report_id)
    requeued = []
    for report_id in list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("id", flat=True)):
        changed = stale.filter(id=report_id, attempts__lt=MAX_ATTEMPTS).update(
            status=CalibrationReport.Status.QUEUED, heartbeat_at=now
        )
        if changed and calibration_report_enqueue(report_id=report_id):
            requeued.append(report_id)
    if failed or requeued:
        logger.info("stale calibration reports: requeued %s, failed %s", requeued, failed)
    return {"requeued": requeued, "failed": failed}
