from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver, receiver_start, receiver_stop

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = receiver_start(SECRET)
    yield running
    receiver_stop(running)


@pytest.fixture
def subscribe(admin_user, client_for):
    """subscribe(url, events) -> the created webhook's JSON, made through the API by an admin."""

    def make(url: str, events: list[str], secret: str = SECRET) -> dict:
        response = client_for(admin_user).post(
            "/api/v1/webhooks/", {"url": url, "events": events, "secret": secret}, format="json"
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make
