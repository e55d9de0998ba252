"""/healthz, the OpenAPI schema and the docs page."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_without_auth(anonymous_client):
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "unavailable"}


def test_healthz_reports_an_unreachable_broker(anonymous_client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6399/0"  # nothing listens there
    body = anonymous_client.get("/healthz").json()
    assert body["database"] == "ok"
    assert body["broker"] == "unavailable"


def test_schema_and_docs_are_served_without_auth(anonymous_client):
    schema = anonymous_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/questions/" in paths
    assert "/api/v1/auth/token/" in paths
    assert anonymous_client.get("/api/docs/").status_code == 200
