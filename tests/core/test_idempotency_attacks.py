"""An attacker's pass over Idempotency-Key (API.md, Conventions): keys belong to their user, so
another user who learns a key (a shared script, a log line) and the body it was sent with
cannot read the stored response by replaying them."""

import pytest

from interviews.models import Candidate

pytestmark = pytest.mark.django_db

BODY = {"name": "Priya Secret", "email": "priya@example.com", "external_id": "ats-77"}


def test_another_user_replaying_a_key_and_its_exact_body_gets_no_stored_response(
    client_for, hiring_manager, recruiter
):
    first = client_for(hiring_manager).post(
        "/api/v1/candidates/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="ats-sync-0001"
    )
    second = client_for(recruiter).post(
        "/api/v1/candidates/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="ats-sync-0001"
    )

    assert first.status_code == 201, first.json()
    # The recruiter's own request ran (the ATS id is taken now), instead of the first's replay.
    assert second.status_code == 400, second.json()
    assert "Idempotent-Replayed" not in second
    assert list(second.json()["fields"]) == ["external_id"]
    assert "Priya Secret" not in second.content.decode()
    assert Candidate.objects.count() == 1


def test_a_key_another_user_used_is_not_a_409_oracle(client_for, hiring_manager, recruiter):
    """Had keys been global, a 409 'used with a different body' would tell a stranger that
    someone used this key; per user, the stranger's request simply runs."""
    client_for(hiring_manager).post(
        "/api/v1/candidates/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="probe-key"
    )

    probe = client_for(recruiter).post(
        "/api/v1/candidates/",
        {"name": "Someone Else", "email": "else@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="probe-key",
    )

    assert probe.status_code == 201, probe.json()
    assert Candidate.objects.count() == 2
