"""One error shape for every 4xx and 5xx: {"code", "message", "fields"} (API.md, Conventions).

Domain code raises `ApplicationError`; `api_exception_handler` turns it, DRF's own exceptions and
Django's into that shape, so clients parse one format whatever went wrong.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class ErrorCode(enum.StrEnum):
    VALIDATION_ERROR = "validation_error"
    MALFORMED_REQUEST = "malformed_request"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    REQUEST_TOO_LARGE = "request_too_large"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"


class ApplicationError(Exception):
    """A domain rule was broken. `code` is one of an app's error-code enums."""

    def __init__(
        self,
        code: str | enum.Enum,
        message: str,
        fields: dict[str, list[str]] | None = None,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code.value if isinstance(code, enum.Enum) else code
        self.message = message
        self.fields = fields or {}
        self.status_code = status_code
        self.headers = headers or {}


def error_body(code: str | enum.Enum, message: str, fields: dict | None = None) -> dict[str, Any]:
    code_value = code.value if isinstance(code, enum.Enum) else code
    return {"code": code_value, "message": message, "fields": fields or {}}


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"ratings.3.rating": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                flat.setdefault(prefix or "non_field_errors", []).extend(str(i) for i in detail)
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in flatten_errors(item, name).items():
                    flat.setdefault(k, []).extend(v)
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def _validation_message(fields: dict[str, list[str]]) -> str:
    if not fields:
        return "The request is invalid."
    first_field, messages = next(iter(fields.items()))
    first = messages[0] if messages else "is invalid"
    lead = first if first_field == "non_field_errors" else f"{first_field}: {first}"
    if len(fields) > 1:
        return f"{len(fields)} fields are invalid; fix them and send again. First, {lead}"
    return lead


_DRF_CODES: list[tuple[type[exceptions.APIException], ErrorCode]] = [
    (exceptions.ParseError, ErrorCode.MALFORMED_REQUEST),
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.AUTHENTICATION_FAILED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.THROTTLED),
]


def _message_for(exc: exceptions.APIException, code: ErrorCode) -> str:
    if code is ErrorCode.MALFORMED_REQUEST:
        return f"The request body could not be parsed: {exc.detail} Send valid JSON."
    if code is ErrorCode.NOT_AUTHENTICATED:
        return "Authentication is required: send 'Authorization: Token <token>'."
    if code is ErrorCode.AUTHENTICATION_FAILED:
        return f"{exc.detail} Get a new token from POST /api/v1/auth/token/."
    if code is ErrorCode.UNSUPPORTED_MEDIA_TYPE:
        return f"{exc.detail} Send 'Content-Type: application/json'."
    if code is ErrorCode.THROTTLED:
        wait = getattr(exc, "wait", None)
        if wait:
            return f"Too many requests. Try again in {int(wait + 0.999)} seconds."
        return "Too many requests. Try again later."
    return str(exc.detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.fields),
            status=exc.status_code,
            headers=exc.headers,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return request_too_large_response()
    elif isinstance(exc, IntegrityError):
        # A database rule caught what the Python checks did not (usually two requests racing):
        # nothing was written, and the client can re-read and retry.
        # The constraint's name only: PostgreSQL's message repeats the conflicting key's values
        # (a candidate's external id), and logs are out of reach of an erasure (docs/PRIVACY.md).
        diag = getattr(exc.__cause__, "diag", None)
        logger.warning(
            "integrity error answered as 409: constraint %s",
            getattr(diag, "constraint_name", None) or type(exc.__cause__ or exc).__name__,
        )
        return Response(
            error_body(
                ErrorCode.CONFLICT,
                "This conflicts with data that already exists (perhaps a simultaneous request); "
                "nothing was saved. Re-read the resource and try again.",
            ),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return Response(
            error_body(
                ErrorCode.SERVICE_UNAVAILABLE,
                "The database is unavailable. Nothing was saved; try again shortly.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        response.data = error_body(ErrorCode.VALIDATION_ERROR, _validation_message(fields), fields)
        return response
    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), None)
    if code is None:
        code_value = getattr(exc, "default_code", "error")
        response.data = error_body(code_value, str(getattr(exc, "detail", exc)))
        return response
    response.data = error_body(code, _message_for(exc, code))
    return response


def request_too_large_response() -> JsonResponse:
    from django.conf import settings

    return JsonResponse(
        error_body(
            ErrorCode.REQUEST_TOO_LARGE,
            f"The request body is larger than {settings.REQUEST_MAX_BODY_BYTES} bytes; send less.",
        ),
        status=413,
    )


def not_found_view(request, exception=None) -> JsonResponse:
    return JsonResponse(
        error_body(ErrorCode.NOT_FOUND, f"No such path: {request.path}. See /api/docs/."),
        status=404,
    )


def server_error_view(request) -> JsonResponse:
    return JsonResponse(
        error_body(ErrorCode.SERVER_ERROR, "An unexpected error occurred; it has been logged."),
        status=500,
    )
