"""OpenAPI: the token scheme, and every operation documents the API's error responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (core.authentication, django-rest-knox underneath).

    Registered on import (core.apps). Named as DRF's token scheme was, so clients see no change."""

    target_class = "core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}

ERROR_RESPONSES = {
    "400": "Invalid input; `message` and `fields` say what to change.",
    "401": "Not signed in: send `Authorization: Token <token>`.",
    "403": "Signed in, but your role may not do this.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed on this path.",
    "409": "Conflicts with the current state (or a reused Idempotency-Key).",
    "413": "Request body too large.",
    "415": "Unsupported media type: send JSON.",
    "429": "Rate limited; see `Retry-After`.",
    "503": "A backing service (the database) is unavailable; retry later.",
}
# Refused by gunicorn before the application (config/gunicorn.py, docs/SECURITY.md), as plain
# text, not in the error shape.
SERVER_LIMIT_RESPONSES = {
    "414": "Request line (path and query string) over 4094 bytes; answered by gunicorn.",
    "431": "Over 100 header fields, or one over 8190 bytes; answered by gunicorn.",
}
PLAIN_TEXT = {"text/plain": {"schema": {"type": "string"}}}
PUBLIC_PATHS = {"/healthz"}


def add_error_responses(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if path in PUBLIC_PATHS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                current = responses.setdefault(status, {"description": description})
                current.setdefault("content", reference)
            for status, description in SERVER_LIMIT_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": PLAIN_TEXT})
            for status, current in responses.items():
                # A view's own 4xx (declared with a description only) answers in the same shape.
                if status.startswith(("4", "5")) and "content" not in current:
                    current["content"] = reference
    return result
