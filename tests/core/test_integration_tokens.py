"""Named integration tokens for scripts and ATS connectors: shown once, listed without the secret,
revocable by their owner only."""

import datetime

import pytest
from django.utils import timezone

from core.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_shows_the_token_once_and_the_list_never(client_for, recruiter):
    client = client_for(recruiter)
    response = client.post(
        "/api/v1/me/tokens/", {"name": "Greenhouse sync", "expires_in_days": 30}, format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "name", "token", "created_at", "expires_at"}
    assert created["name"] == "Greenhouse sync"
    expires_at = datetime.datetime.fromisoformat(created["expires_at"])
    assert abs(expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(
        minutes=1
    )
    listed = client.get("/api/v1/me/tokens/").json()
    assert [t["id"] for t in listed["results"]] == [created["id"]]
    assert set(listed["results"][0]) == {"id", "name", "created_at", "expires_at"}
    assert created["token"] not in str(listed)

    integration = client_for(None)
    integration.credentials(HTTP_AUTHORIZATION=f"Token {created['token']}")
    assert integration.get("/api/v1/me/").json()["username"] == "rita_recruiter"


def test_sign_in_tokens_are_not_listed_as_integrations(client_for, recruiter):
    # client_for signs in with a login token; only named integration tokens are listed.
    assert client_for(recruiter).get("/api/v1/me/tokens/").json()["results"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "x"}, "expires_in_days"),
        ({"name": "", "expires_in_days": 5}, "name"),
        ({"expires_in_days": 5}, "name"),
    ],
)
def test_bad_integration_token_input_names_the_field(client_for, recruiter, body, field):
    response = client_for(recruiter).post("/api/v1/me/tokens/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_owner_deletes_an_integration_token_and_it_stops_working(client_for, recruiter):
    client = client_for(recruiter)
    created = client.post(
        "/api/v1/me/tokens/", {"name": "ats", "expires_in_days": 1}, format="json"
    ).json()
    assert client.delete(f"/api/v1/me/tokens/{created['id']}/").status_code == 204
    assert not ApiToken.objects.filter(pk=created["id"]).exists()
    stale = client_for(None)
    stale.credentials(HTTP_AUTHORIZATION=f"Token {created['token']}")
    assert stale.get("/api/v1/me/").status_code == 401


def test_another_users_token_is_404_and_survives(client_for, recruiter, hiring_manager):
    created = (
        client_for(recruiter)
        .post("/api/v1/me/tokens/", {"name": "ats", "expires_in_days": 1}, format="json")
        .json()
    )
    response = client_for(hiring_manager).delete(f"/api/v1/me/tokens/{created['id']}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ApiToken.objects.filter(pk=created["id"]).exists()


# --- an attacker holding an integration token --------------------------------------------------


@pytest.fixture
def one_day_token(client_for, recruiter):
    """A token its owner gave one day to live (a contractor's script, a trial connector)."""
    response = client_for(recruiter).post(
        "/api/v1/me/tokens/", {"name": "trial connector", "expires_in_days": 1}, format="json"
    )
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_an_integration_token_cannot_mint_a_longer_lived_one(one_day_token, recruiter):
    response = one_day_token.post(
        "/api/v1/me/tokens/", {"name": "mine for a year", "expires_in_days": 365}, format="json"
    )

    assert response.status_code == 403, response.json()
    assert "sign in with your password" in response.json()["message"]
    assert list(
        ApiToken.objects.filter(user=recruiter, kind="integration").values_list("name", flat=True)
    ) == ["trial connector"]


def test_an_integration_token_cannot_open_a_calendar_feed_that_outlives_it(
    one_day_token, recruiter
):
    from core.models import CalendarFeed

    response = one_day_token.post("/api/v1/me/calendar-feed/")

    assert response.status_code == 403, response.json()
    assert "sign in with your password" in response.json()["message"]
    assert not CalendarFeed.objects.filter(user=recruiter).exists()


def test_an_integration_token_still_does_its_owners_work(one_day_token):
    assert one_day_token.get("/api/v1/me/").status_code == 200
    assert one_day_token.get("/api/v1/me/tokens/").status_code == 200
