"""Middleware that keeps every answer in the API's error shape, even outside DRF views."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.errors import ErrorCode, error_body, request_too_large_response

logger = logging.getLogger(__name__)


class RequestBodyLimitMiddleware:
    """Refuse a body over REQUEST_MAX_BODY_BYTES with a 413 before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return JsonResponse(
                error_body(
                    ErrorCode.MALFORMED_REQUEST, "The Content-Length header is not a number."
                ),
                status=400,
            )
        if length > settings.REQUEST_MAX_BODY_BYTES:
            return request_too_large_response()
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 the client can retry, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", exception)
            response = JsonResponse(
                error_body(
                    ErrorCode.SERVICE_UNAVAILABLE,
                    "The database is unavailable. Nothing was saved; try again shortly.",
                ),
                status=503,
            )
            response["Retry-After"] = "5"
            return response
        return None
