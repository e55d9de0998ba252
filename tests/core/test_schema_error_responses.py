"""The OpenAPI schema documents every error in the one error shape, keeping each view's words."""

import pytest

from core.schema import (
    ERROR_RESPONSES,
    PUBLIC_PATHS,
    SERVER_LIMIT_RESPONSES,
    SIGNED_IN_ONLY_RESPONSES,
)
from tests.core.openapi import schema_operations

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def test_every_error_response_of_every_operation_is_the_error_schema(schema):
    checked = 0
    for path, method, operation in schema_operations(schema):
        if path in PUBLIC_PATHS:
            continue
        for status, response in operation["responses"].items():
            if status in SERVER_LIMIT_RESPONSES:
                continue  # gunicorn's own answers, checked below
            if status[0] in "45":
                assert response["content"]["application/json"]["schema"] == ERROR_REF, (
                    f"{method.upper()} {path} {status}"
                )
                checked += 1
        expected = set(ERROR_RESPONSES)
        if operation.get("security") == [{}]:  # reads no credentials: never a 401 or 403
            expected -= SIGNED_IN_ONLY_RESPONSES
            assert not SIGNED_IN_ONLY_RESPONSES & set(operation["responses"]), path
        assert expected <= set(operation["responses"]), f"{method.upper()} {path}"
    assert checked >= 10 * len(ERROR_RESPONSES)


def test_there_is_one_error_component(schema):
    components = schema["components"]["schemas"]
    assert set(components["Error"]["required"]) == {"code", "message", "fields"}
    assert not [name for name in components if "Error" in name and name != "Error"]


def test_a_views_own_error_description_is_kept(schema):
    submit = schema["paths"]["/api/v1/scorecards/{id}/submit/"]["post"]["responses"]
    assert submit["409"]["description"] == (
        "Already submitted, the loop is not scheduled, or its candidate was erased."
    )
    csv = schema["paths"]["/api/v1/calibration-reports/{id}/export/"]["get"]["responses"]
    assert csv["409"]["description"] == "The report has not succeeded."


def test_gunicorns_request_limits_are_documented_as_plain_text(schema):
    """414 and 431 come from gunicorn (config/gunicorn.py) before the app: plain text."""
    for path, method, operation in schema_operations(schema):
        if path in PUBLIC_PATHS:
            continue
        for status in ("414", "431"):
            response = operation["responses"][status]
            assert set(response["content"]) == {"text/plain"}, f"{method.upper()} {path} {status}"
            assert "gunicorn" in response["description"]


def test_operations_without_credentials_document_no_401_or_403(schema):
    for path, method in (
        ("/api/v1/calendar-feeds/{secret}/calendar.ics", "get"),
        ("/api/v1/auth/token/", "post"),
    ):
        operation = schema["paths"][path][method]
        assert operation["security"] == [{}]
        assert {"401", "403"}.isdisjoint(operation["responses"]), path
        assert {"404", "429"} <= set(operation["responses"]), path
    feed = schema["paths"]["/api/v1/calendar-feeds/{secret}/calendar.ics"]["get"]["responses"]
    assert set(feed["200"]["content"]) == {"text/calendar"}
    assert set(feed["404"]["content"]) == {"application/json"}
