"""POST /api/v1/calibration-reports/: stores a queued report, enqueues on commit, validates."""

import datetime as dt

import pytest

from core.models import AuditEvent
from scoring.reports.models import CalibrationReport
from tests.factories import JobFactory, LevelFactory, QuestionFactory
from tests.scoring.calibration_report_helpers import REPORTS_URL, request_report

pytestmark = pytest.mark.django_db


def _is_iso(value: str) -> bool:
    return dt.datetime.fromisoformat(value).tzinfo is not None


def test_recruiter_request_is_accepted_queued_and_sent_after_commit(
    recruiter, interviewer, client_for, django_capture_on_commit_callbacks
):
    job = JobFactory()
    level = LevelFactory(slug="advanced")
    question = QuestionFactory(level=level)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = request_report(
            client_for(recruiter),
            {
                "job": job.pk,
                "since": "2026-01-01",
                "until": "2026-03-31",
                "interviewers": [interviewer.pk, interviewer.pk],
                "levels": ["advanced"],
                "questions": [question.pk],
            },
        )

    assert response.status_code == 202, response.json()
    body = response.json()
    report = CalibrationReport.objects.get()
    assert _is_iso(body.pop("created_at"))
    assert body == {
        "id": report.pk,
        "status": "queued",
        "progress": 0,
        "error": "",
        "attempts": 0,
        "requested_by": recruiter.pk,
        "started_at": None,
        "finished_at": None,
        "filters": {
            "job": job.pk,
            "since": "2026-01-01",
            "until": "2026-03-31",
            "interviewers": [interviewer.pk],
            "levels": ["advanced"],
            "questions": [question.pk],
        },
        "result": None,
    }
    # The task is sent once the row is committed, never before.
    assert len(callbacks) == 1
    assert AuditEvent.objects.filter(
        action="calibration_report.requested", target_id=str(report.pk)
    ).exists()


def test_request_without_filters_covers_everything(hiring_manager, client_for):
    response = client_for(hiring_manager).post(REPORTS_URL, {}, format="json")

    assert response.status_code == 202
    assert response.json()["filters"] == {}


def test_unknown_ids_are_a_400_that_names_each_of_them(recruiter, client_for):
    question = QuestionFactory()

    response = request_report(
        client_for(recruiter),
        {
            "job": 999_001,
            "interviewers": [recruiter.pk, 999_002],
            "levels": ["no-such-level"],
            "questions": [question.pk, 999_003],
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "unknown_filter_value",
        "message": "No job has id 999001. Remove it from the filters or use an existing one.",
        "fields": {
            "filters.job": ["No job has id 999001."],
            "filters.interviewers": ["Unknown user id(s): 999002."],
            "filters.levels": ["Unknown level slug(s): no-such-level."],
            "filters.questions": ["Unknown question id(s): 999003."],
        },
    }
    assert not CalibrationReport.objects.exists()


def test_since_after_until_is_a_400_that_says_to_swap_them(recruiter, client_for):
    response = request_report(client_for(recruiter), {"since": "2026-05-01", "until": "2026-04-01"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "filters.until: until (2026-04-01) is before since (2026-05-01); swap them.",
        "fields": {
            "filters.until": ["until (2026-04-01) is before since (2026-05-01); swap them."]
        },
    }


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"jobs": 1}, "filters.jobs"),
        ({"job": "1"}, "filters.job"),
        ({"job": 1.5}, "filters.job"),
        ({"since": "yesterday"}, "filters.since"),
        ({"interviewers": "3"}, "filters.interviewers"),
        ({"interviewers": [0]}, "filters.interviewers.0"),
        ({"questions": [2**64]}, "filters.questions.0"),
        ({"levels": ["not a slug!"]}, "filters.levels.0"),
    ],
)
def test_malformed_filters_are_a_400_naming_the_field(recruiter, client_for, filters, field):
    response = request_report(client_for(recruiter), filters)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == [field]


def test_filters_must_be_an_object(recruiter, client_for):
    response = client_for(recruiter).post(REPORTS_URL, {"filters": [1]}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["filters.non_field_errors"]


def test_same_idempotency_key_replays_the_first_report(recruiter, client_for):
    client = client_for(recruiter)

    first = request_report(client, {}, HTTP_IDEMPOTENCY_KEY="report-2026-05")
    again = request_report(client, {}, HTTP_IDEMPOTENCY_KEY="report-2026-05")

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CalibrationReport.objects.count() == 1


def test_idempotency_key_reused_with_other_filters_is_a_409(recruiter, client_for):
    client = client_for(recruiter)
    request_report(client, {}, HTTP_IDEMPOTENCY_KEY="k1")

    response = request_report(client, {"since": "2026-01-01"}, HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert CalibrationReport.objects.count() == 1
