"""Every 4xx has the one error shape of API.md: {"code", "message", "fields"}."""

import pytest

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_anonymous_request_is_401_with_a_hint_to_send_a_token(anonymous_client):
    response = anonymous_client.get("/api/v1/questions/")
    body = assert_error_shape(response, 401, "not_authenticated")
    assert "Authorization: Token" in body["message"]
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(anonymous_client):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_shape(anonymous_client.get("/api/v1/me/"), 401, "authentication_failed")


def test_role_without_permission_is_403(client_for, outsider):
    assert_error_shape(client_for(outsider).get("/api/v1/questions/"), 403, "permission_denied")


def test_unknown_path_is_404_in_the_error_shape(client_for, interviewer):
    body = assert_error_shape(
        client_for(interviewer).get("/api/v1/nothing-here/"), 404, "not_found"
    )
    assert "/api/v1/nothing-here/" in body["message"]


def test_wrong_method_is_405(client_for, interviewer):
    assert_error_shape(client_for(interviewer).delete("/api/v1/me/"), 405, "method_not_allowed")


def test_malformed_json_is_400_saying_to_send_valid_json(client_for, hiring_manager):
    response = client_for(hiring_manager).post(
        "/api/v1/questions/", data="{not json", content_type="application/json"
    )
    body = assert_error_shape(response, 400, "malformed_request")
    assert "valid JSON" in body["message"]


def test_unsupported_media_type_is_415(client_for, hiring_manager):
    response = client_for(hiring_manager).post(
        "/api/v1/questions/", data="level=beginner", content_type="text/plain"
    )
    body = assert_error_shape(response, 415, "unsupported_media_type")
    assert "application/json" in body["message"]


def test_validation_error_names_nested_fields(client_for, hiring_manager, seed_bank):
    response = client_for(hiring_manager).post(
        "/api/v1/questions/",
        {
            "level": "beginner",
            "prompt": "Q?",
            "hint": "H",
            "rubric": [{"text": "ok"}, {"weight": 2}],
        },
        format="json",
    )
    body = assert_error_shape(response, 400, "validation_error")
    assert body["fields"] == {"rubric.1.text": ["This field is required."]}
    assert body["message"] == "rubric.1.text: This field is required."


def test_empty_body_names_every_required_field(client_for, hiring_manager):
    response = client_for(hiring_manager).post("/api/v1/questions/", {}, format="json")
    body = assert_error_shape(response, 400, "validation_error")
    assert {"level", "prompt", "hint", "rubric"} <= set(body["fields"])


def test_json_array_body_is_a_400_not_a_500(client_for, hiring_manager):
    response = client_for(hiring_manager).post(
        "/api/v1/questions/", data="[1, 2]", content_type="application/json"
    )
    assert_error_shape(response, 400, "validation_error")


def test_body_over_the_limit_is_413(client_for, hiring_manager, settings):
    big = '{"prompt": "' + "x" * (settings.REQUEST_MAX_BODY_BYTES + 10) + '"}'
    response = client_for(hiring_manager).post(
        "/api/v1/questions/", data=big, content_type="application/json"
    )
    assert_error_shape(response, 413, "request_too_large")
