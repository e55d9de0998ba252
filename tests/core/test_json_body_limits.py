"""No body is a 500: JSON nested deeper than 64 levels, undecodable bytes and invalid JSON are
each a 400 in the error shape, on every endpoint (core.parsers.JSONParser is the default)."""

import pytest

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, body: bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def assert_malformed(response) -> dict:
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "malformed_request"
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/competencies/", "/api/v1/auth/token/", "/api/v1/me/tokens/"]
)
def test_one_hundred_thousand_nested_arrays_are_a_400(client_for, hiring_manager, path):
    body = b"[" * 100_000 + b"]" * 100_000
    response = assert_malformed(post_raw(client_for(hiring_manager), path, body))
    assert "64" in response["message"]


def test_nesting_of_objects_counts_too(client_for, hiring_manager):
    body = b'{"a":' * 65 + b"1" + b"}" * 65
    assert_malformed(post_raw(client_for(hiring_manager), "/api/v1/competencies/", body))


def test_brackets_inside_strings_do_not_count(client_for, hiring_manager):
    name = "[" * 70 + '\\"{' * 5  # 80 characters, more brackets than the limit
    body = ('{"slug": "brackets", "name": "' + name + '"}').encode()
    response = post_raw(client_for(hiring_manager), "/api/v1/competencies/", body)
    assert response.status_code == 201, response.json()


def test_sixty_four_levels_are_parsed(client_for, hiring_manager):
    body = b"[" * 64 + b"]" * 64
    response = post_raw(client_for(hiring_manager), "/api/v1/competencies/", body)
    # Parsed, then refused by the serializer for not being an object.
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00{",  # not UTF-8
        b'{"slug": "x", "name": "\xc3"}',  # truncated UTF-8 sequence
        b'{"slug": ',  # truncated JSON
        b'{"slug": NaN}',  # not JSON, though Python's json would accept it
        b"",  # nothing at all
    ],
)
def test_undecodable_or_invalid_body_is_a_400(client_for, hiring_manager, raw):
    response = post_raw(client_for(hiring_manager), "/api/v1/competencies/", raw)
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_request", "validation_error"}


def test_a_charset_that_is_not_a_text_codec_is_a_400(client_for, hiring_manager):
    # bz2_codec would inflate a small body past the size limit that was checked on the wire.
    response = post_raw(
        client_for(hiring_manager),
        "/api/v1/competencies/",
        b"{}",
        content_type="application/json; charset=bz2_codec",
    )
    assert_malformed(response)


def test_an_unknown_charset_is_read_as_utf8(client_for, hiring_manager):
    # Django ignores a charset it does not know; the body is then read as UTF-8.
    response = post_raw(
        client_for(hiring_manager),
        "/api/v1/competencies/",
        b"{}",
        content_type="application/json; charset=klingon",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
