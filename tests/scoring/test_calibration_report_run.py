"""The report service: claim once, store the result, fail with an actionable message, requeue
stale reports, give up after MAX_ATTEMPTS; filters narrow the scorecards read."""

import datetime as dt

import pytest
from django.utils import timezone

from scoring.reports.models import CalibrationReport
from scoring.reports.selectors import CalibrationScope, calibration_inputs_load
from scoring.reports.services import (
    MAX_ATTEMPTS,
    calibration_report_run,
    calibration_reports_requeue_stale,
)
from scoring.scorecards.models import Scorecard
from tests.scoring.calibration_report_helpers import synthetic_hiring_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def hiring_data(db) -> None:
    synthetic_hiring_data(candidates=24, interviewers=10, seed=8)


def test_run_claims_a_queued_report_and_stores_the_result(hiring_data):
    report = CalibrationReport.objects.create()

    calibration_report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == "succeeded"
    assert report.progress == 100
    assert report.attempts == 1
    assert report.error == ""
    assert report.started_at <= report.finished_at
    assert set(report.result) >= {
        "summary",
        "interviewers",
        "questions",
        "candidates",
        "agreement",
        "reliability",
    }
    assert report.result["summary"]["scorecards"] == Scorecard.objects.count()


def test_a_second_run_of_the_same_report_changes_nothing(hiring_data):
    report = CalibrationReport.objects.create()
    calibration_report_run(report_id=report.pk)
    first = CalibrationReport.objects.get(pk=report.pk)

    assert calibration_report_run(report_id=report.pk) is None

    again = CalibrationReport.objects.get(pk=report.pk)
    assert (again.attempts, again.finished_at, again.result) == (
        first.attempts,
        first.finished_at,
        first.result,
    )


def test_a_running_report_with_a_live_heartbeat_is_not_taken_over(hiring_data):
    report = CalibrationReport.objects.create(
        status="running", attempts=1, heartbeat_at=timezone.now()
    )

    assert calibration_report_run(report_id=report.pk) is None

    report.refresh_from_db()
    assert (report.status, report.attempts) == ("running", 1)


def test_a_running_report_with_a_stale_heartbeat_is_taken_over(hiring_data, settings):
    stale = timezone.now() - dt.timedelta(seconds=settings.CALIBRATION_STALE_AFTER_SECONDS + 5)
    report = CalibrationReport.objects.create(status="running", attempts=1, heartbeat_at=stale)

    calibration_report_run(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.attempts) == ("succeeded", 2)


def test_no_matching_scorecards_fails_with_advice_to_widen_the_filters(hiring_data):
    report = CalibrationReport.objects.create(filters={"until": "2000-01-01"})

    calibration_report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == "failed"
    assert report.result is None
    assert report.error == (
        "No submitted scorecards match these filters (submitted on or before 2000-01-01). "
        "Widen the filters (a longer date range, more interviewers, levels or questions) and "
        "request a new report."
    )


def test_an_exception_in_the_statistics_ends_failed_with_its_message(hiring_data, monkeypatch):
    def broken(inputs, progress=None):
        raise ValueError("the severity design is singular")

    monkeypatch.setattr("scoring.calibration.report.build_report", broken)
    report = CalibrationReport.objects.create()

    calibration_report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == (
        "The report could not be computed (ValueError: the severity design is singular). "
        "Request it again; if it fails the same way, narrow the filters or send report id "
        f"{report.pk} to support."
    )
    assert report.finished_at is not None


def test_progress_heartbeats_while_the_statistics_run(hiring_data, monkeypatch):
    from scoring.calibration import report as statistics

    seen = []
    real = statistics.build_report

    def watched(inputs, progress=None):
        def spy(percent):
            progress(percent)
            row = CalibrationReport.objects.get()
            seen.append((row.status, row.progress, row.heartbeat_at))

        return real(inputs, progress=spy)

    monkeypatch.setattr(statistics, "build_report", watched)
    CalibrationReport.objects.create()

    calibration_report_run(report_id=CalibrationReport.objects.get().pk)

    assert {status for status, _, _ in seen} == {"running"}
    progress = [p for _, p, _ in seen]
    assert progress == sorted(progress) and progress[0] >= 30 and progress[-1] == 99
    beats = [beat for _, _, beat in seen]
    assert beats == sorted(beats)


def test_requeue_resends_never_sent_and_dead_reports_and_fails_exhausted_ones(
    hiring_data, settings
):
    # In-process tasks (no worker here): a re-sent report runs at once. The worker tests show the
    # same through Redis.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    now = timezone.now()
    old = now - dt.timedelta(seconds=settings.CALIBRATION_STALE_AFTER_SECONDS + 60)
    never_sent = CalibrationReport.objects.create(created_at=old)
    dead_worker = CalibrationReport.objects.create(status="running", attempts=1, heartbeat_at=old)
    exhausted = CalibrationReport.objects.create(
        status="running", attempts=MAX_ATTEMPTS, heartbeat_at=old
    )
    fresh = CalibrationReport.objects.create(created_at=now)
    alive = CalibrationReport.objects.create(status="running", attempts=1, heartbeat_at=now)

    outcome = calibration_reports_requeue_stale(now=now)

    assert sorted(outcome["requeued"]) == sorted([never_sent.pk, dead_worker.pk])
    assert outcome["failed"] == [exhausted.pk]
    never_sent.refresh_from_db()
    dead_worker.refresh_from_db()
    assert (never_sent.status, never_sent.attempts) == ("succeeded", 1)
    assert (dead_worker.status, dead_worker.attempts) == ("succeeded", 2)
    exhausted.refresh_from_db()
    assert exhausted.status == "failed"
    assert exhausted.error == (
        f"The report was started {MAX_ATTEMPTS} times and its worker stopped each time (usually "
        "it ran out of memory or was restarted). Narrow the filters (fewer jobs, a shorter date "
        "range) and request a new report."
    )
    assert CalibrationReport.objects.get(pk=fresh.pk).status == "queued"
    assert CalibrationReport.objects.get(pk=alive.pk).status == "running"
    assert calibration_reports_requeue_stale(now=now) == {"requeued": [], "failed": []}


def test_a_report_out_of_attempts_is_not_claimed(hiring_data, settings):
    stale = timezone.now() - dt.timedelta(seconds=settings.CALIBRATION_STALE_AFTER_SECONDS + 5)
    report = CalibrationReport.objects.create(
        status="running", attempts=MAX_ATTEMPTS, heartbeat_at=stale
    )

    assert calibration_report_run(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.attempts == MAX_ATTEMPTS


def _scope_counts(**filters) -> tuple[int, int]:
    inputs = calibration_inputs_load(scope=CalibrationScope(**filters))
    return inputs.rating.size, inputs.card_interviewer.size


def test_filters_narrow_the_ratings_and_scorecards_read(hiring_data):
    from django.db.models import Count

    from interviews.models import Job
    from questionbank.models import Question
    from scoring.scorecards.models import CriterionRating

    submitted = CriterionRating.objects.filter(scorecard__status="submitted")
    assert _scope_counts() == (submitted.count(), Scorecard.objects.count())

    job = Job.objects.annotate(n=Count("loop_templates__loops")).filter(n__gt=0).first()
    in_job = submitted.filter(scorecard__loop__template__job=job)
    cards_in_job = Scorecard.objects.filter(loop__template__job=job)
    assert _scope_counts(job=job.pk) == (in_job.count(), cards_in_job.count())

    some = list(Scorecard.objects.values_list("interviewer_id", flat=True).distinct()[:3])
    assert _scope_counts(interviewers=some) == (
        submitted.filter(scorecard__interviewer_id__in=some).count(),
        Scorecard.objects.filter(interviewer_id__in=some).count(),
    )

    asked = submitted.values_list("criterion__question_id", flat=True).distinct()
    question = Question.objects.filter(id__in=asked).first()
    assert _scope_counts(questions=[question.pk]) == (
        submitted.filter(criterion__question=question).count(),
        Scorecard.objects.filter(ratings__criterion__question=question).distinct().count(),
    )
    assert _scope_counts(levels=[question.level_id]) == (
        submitted.filter(criterion__question__level=question.level_id).count(),
        Scorecard.objects.filter(ratings__criterion__question__level=question.level_id)
        .distinct()
        .count(),
    )

    middle = Scorecard.objects.order_by("submitted_at")[Scorecard.objects.count() // 2]
    day = middle.submitted_at.date()
    assert _scope_counts(since=day, until=day) == (
        submitted.filter(scorecard__submitted_at__date=day).count(),
        Scorecard.objects.filter(submitted_at__date=day).count(),
    )


def test_draft_scorecards_are_left_out(hiring_data):
    card = Scorecard.objects.first()
    ratings = card.ratings.count()
    before = _scope_counts()
    Scorecard.objects.filter(pk=card.pk).update(status="draft", submitted_at=None)

    assert _scope_counts() == (before[0] - ratings, before[1] - 1)
