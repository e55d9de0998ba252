"""Walks the URL conf, so an endpoint added later cannot forget authentication."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"/healthz", "/api/schema/", "/api/docs/", "/api/v1/auth/token/"}
# The secret in the path is the credential (tests/interviews/test_calendar_feed.py): an unknown
# one is a 404, never a 401 (no header would help).
SECRET_URL = {"/api/v1/calendar-feeds/x/calendar.ics"}


def walk(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def concrete(route: str) -> str:
    """An example path for a route: converters become sample values, regexes are stripped."""
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<(?:slug|str|path):[^>]+>", "x", path)
    path = re.sub(r"<[^>]+>", "1", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path.lstrip("/")


ROUTES = sorted({concrete(route) for route in walk(get_resolver().url_patterns)})
API_ROUTES = [
    r for r in ROUTES if r.startswith("/api/v1/") and r not in PUBLIC and r not in SECRET_URL
]


def test_the_walk_finds_the_api():
    assert "/api/v1/questions/" in ROUTES
    assert len(API_ROUTES) >= 10


@pytest.mark.parametrize("path", API_ROUTES)
@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_every_api_endpoint_answers_401_without_a_token(anonymous_client, path, method):
    response = getattr(anonymous_client, method)(path, {}, format="json")
    assert response.status_code == 401, (method, path, response.status_code)
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", [r for r in ROUTES if r.startswith("/admin/")][:5])
def test_admin_pages_redirect_to_login(anonymous_client, path):
    response = anonymous_client.get(path)
    assert response.status_code in {302, 404}
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", sorted(PUBLIC - {"/api/v1/auth/token/"}))
def test_public_endpoints_answer_without_a_token(anonymous_client, path):
    assert anonymous_client.get(path).status_code == 200


@pytest.mark.parametrize("path", sorted(SECRET_URL))
def test_secret_urls_answer_404_not_401_without_a_token(anonymous_client, path):
    assert path in ROUTES
    response = anonymous_client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
