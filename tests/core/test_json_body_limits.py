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


# Found by the exploratory campaign of 2026-11-30 (docs/RELIABILITY.md): JSON may spell a lone
# UTF-16 surrogate (`"\ud800"`), which Python parses into a str that cannot be encoded as UTF-8.
# A choice field's error echoes the value, and rendering that error was a 500 (UnicodeEncodeError)
# on every choice field: POST /jobs/ `seniority`, POST /jobs/{id}/team/ `role`, the pool member
# `status`, PATCH/POST scorecards `overall_recommendation`, POST /loops/{id}/decision/ `decision`,
# the calibration report's `filters.granularity`; an unknown key with one (an unknown filter) too.
LONE_SURROGATE_BODIES = [
    # the exact bodies the campaign sent (admin: POST /jobs/; hiring manager: the report)
    ("admin_user", "/api/v1/jobs/", b'{"title": "J", "seniority": "\\ud800", "hiring_manager": 1}'),
    ("hiring_manager", "/api/v1/calibration-reports/", b'{"filters": {"granularity": "\\ud800"}}'),
    # in a key, and a low surrogate alone, and a pair in the wrong order
    ("hiring_manager", "/api/v1/calibration-reports/", b'{"filters": {"\\udc00x": 1}}'),
    ("admin_user", "/api/v1/jobs/", b'{"title": "J", "seniority": "a\\udfffb"}'),
    ("admin_user", "/api/v1/jobs/", b'{"title": "J", "seniority": "\\ude00\\ud83d"}'),
]


@pytest.mark.parametrize(("role", "path", "raw"), LONE_SURROGATE_BODIES)
def test_a_lone_surrogate_anywhere_in_the_body_is_a_400_naming_where(
    request, client_for, role, path, raw
):
    client = client_for(request.getfixturevalue(role))
    body = assert_malformed(post_raw(client, path, raw))
    assert "surrogate" in body["message"]
    assert "\\u" in body["message"]  # the place is written out, escaped, never the raw character


def test_a_surrogate_pair_is_a_character_like_any_other(client_for, hiring_manager):
    # U+1F600 written as its UTF-16 pair: one valid character, not refused.
    body = b'{"slug": "smile", "name": "Smile \\ud83d\\ude00"}'
    response = post_raw(client_for(hiring_manager), "/api/v1/competencies/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Smile \U0001f600"
