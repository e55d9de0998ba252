"""GET /api/v1/me/pending-feedback/: the caller's ended sessions awaiting their scorecard."""

import datetime as dt

import pytest
from django.utils import timezone

from interviews.models import Loop
from notifications.models import FeedbackNotice
from privacy.services import candidate_erase
from tests.factories import JobFactory, ScorecardFactory
from tests.notifications.helpers import ended_session

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/pending-feedback/"


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def test_lists_ended_sessions_oldest_first_with_due_and_overdue_times(client_for, interviewer):
    now = timezone.now()
    job = JobFactory(title="Growth Analyst")
    recent = ended_session(interviewers=[interviewer], now=now, hours_ago=2, job=job)
    old = ended_session(interviewers=[interviewer], now=now, hours_ago=50, duration_minutes=45)
    draft = ScorecardFactory(session=recent, interviewer=interviewer)
    FeedbackNotice.objects.create(
        session=old, recipient=interviewer, kind="reminder", status="sent", sent_at=now
    )

    response = client_for(interviewer).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    old_end = old.scheduled_at + dt.timedelta(minutes=45)
    assert first == {
        "session": old.pk,
        "loop": old.loop_id,
        "job": {"id": old.loop.template.job_id, "title": "AI North Star Metric Analyst"},
        "order": old.order,
        "scheduled_at": _iso(old.scheduled_at),
        "duration_minutes": 45,
        "ended_at": _iso(old_end),
        "due_at": _iso(old_end + dt.timedelta(hours=1)),
        "overdue_at": _iso(old_end + dt.timedelta(hours=48)),
        "overdue": True,
        "scorecard": None,
        "reminders_sent": 1,
    }
    assert (second["session"], second["job"], second["scorecard"], second["overdue"]) == (
        recent.pk,
        {"id": job.pk, "title": "Growth Analyst"},
        draft.pk,
        False,
    )


def test_submitted_future_unscheduled_and_closed_loops_are_not_listed(client_for, interviewer):
    now = timezone.now()
    submitted = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
    ScorecardFactory(
        session=submitted,
        interviewer=interviewer,
        status="submitted",
        overall_recommendation="yes",
        submitted_at=now,
    )
    ended_session(interviewers=[interviewer], now=now, hours_ago=-2)  # not held yet
    unscheduled = ended_session(interviewers=[interviewer], now=now, hours_ago=-2)
    unscheduled.scheduled_at = None
    unscheduled.save()
    for status in (Loop.Status.DRAFT, Loop.Status.CANCELLED, Loop.Status.COMPLETED):
        closed = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
        Loop.objects.filter(pk=closed.loop_id).update(status=status)
    decided = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
    Loop.objects.filter(pk=decided.loop_id).update(decision="hire")
    pending = ended_session(interviewers=[interviewer], now=now, hours_ago=3)

    results = client_for(interviewer).get(URL).json()["results"]

    assert [item["session"] for item in results] == [pending.pk]


def test_sessions_of_an_erased_candidate_are_not_listed(client_for, interviewer, admin_user):
    now = timezone.now()
    erased = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
    candidate_erase(actor=admin_user, candidate_id=erased.loop.candidate_id, reason="Asked.")
    pending = ended_session(interviewers=[interviewer], now=now, hours_ago=3)

    results = client_for(interviewer).get(URL).json()["results"]

    assert [item["session"] for item in results] == [pending.pk]


def test_list_is_paginated_in_a_fixed_number_of_queries(
    client_for, interviewer, django_assert_max_num_queries
):
    now = timezone.now()
    for hours in range(1, 13):
        session = ended_session(interviewers=[interviewer], now=now, hours_ago=hours * 3)
        FeedbackNotice.objects.create(
            session=session, recipient=interviewer, kind="reminder", status="sent", sent_at=now
        )
    client = client_for(interviewer)

    # The token (with its user), the count and the page: however many sessions and reminders.
    with django_assert_max_num_queries(3):
        response = client.get(URL, {"page_size": 5, "page": 2})

    body = response.json()
    assert body["count"] == 12
    assert len(body["results"]) == 5
    ended = [item["ended_at"] for item in body["results"]]
    assert ended == sorted(ended)
    assert {item["reminders_sent"] for item in body["results"]} == {1}
