"""OpenAPI post-processing: every operation documents the API's error responses."""

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
            for status, current in responses.items():
                # A view's own 4xx (declared with a description only) answers in the same shape.
                if status.startswith(("4", "5")) and "content" not in current:
                    current["content"] = reference
    return result
