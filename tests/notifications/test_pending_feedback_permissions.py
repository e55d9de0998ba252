"""GET /api/v1/me/pending-feedback/, from the attacker's side: nobody sees another person's
pending sessions, whatever their roles; anonymous callers get 401."""

import pytest
from django.utils import timezone

from tests.factories import JobFactory
from tests.notifications.helpers import ended_session

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/pending-feedback/"


def _sessions(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["session"] for item in response.json()["results"]]


def test_interviewer_sees_only_their_own_pending_sessions(
    client_for, interviewer, other_interviewer
):
    now = timezone.now()
    mine = ended_session(interviewers=[interviewer], now=now, hours_ago=3)
    # Olga's session in the same loop, and one in another loop: both pending, neither Ivan's.
    ended_session(interviewers=[other_interviewer], now=now, hours_ago=4, loop=mine.loop)
    ended_session(interviewers=[other_interviewer], now=now, hours_ago=5)

    assert _sessions(client_for(interviewer).get(URL)) == [mine.pk]


def test_hiring_manager_of_the_job_sees_only_the_sessions_they_sit_in(
    client_for, hiring_manager, interviewer, other_interviewer
):
    now = timezone.now()
    job = JobFactory(hiring_manager=hiring_manager)
    own = ended_session(interviewers=[hiring_manager], now=now, hours_ago=2, job=job)
    # The job is hers, the loop too; these sessions are her interviewers' to write up.
    ended_session(interviewers=[interviewer], now=now, hours_ago=6, loop=own.loop)
    ended_session(interviewers=[other_interviewer], now=now, hours_ago=7, job=job)

    assert _sessions(client_for(hiring_manager).get(URL)) == [own.pk]


def test_recruiter_and_admin_see_nothing_of_others(client_for, recruiter, admin_user, interviewer):
    ended_session(interviewers=[interviewer], now=timezone.now(), hours_ago=3)

    assert _sessions(client_for(recruiter).get(URL)) == []
    assert _sessions(client_for(admin_user).get(URL)) == []


def test_outsider_gets_an_empty_list(client_for, outsider, interviewer):
    ended_session(interviewers=[interviewer], now=timezone.now(), hours_ago=3)

    assert _sessions(client_for(outsider).get(URL)) == []


def test_anonymous_caller_gets_401(anonymous_client, interviewer):
    ended_session(interviewers=[interviewer], now=timezone.now(), hours_ago=3)

    response = anonymous_client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
