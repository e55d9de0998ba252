"""The answer for failed logins that django-axes has locked, the same on every login path.

Axes counts the failures (config/settings.py, "Failed logins"): per username and client address
together (core/client_address.py), on the token endpoint, /api-auth/login/ and /admin/login/ alike,
since all three go through django.contrib.auth.authenticate().
"""

from __future__ import annotations

import math

from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from rest_framework import status

from core.errors import ApplicationError, ErrorCode, error_body


def login_lockout_error(request: HttpRequest, credentials: dict | None) -> ApplicationError:
    """The 429 for a username and address pair that django-axes has locked.

    Retry-After is when the lock ends: LOGIN_LOCKOUT_MINUTES after the pair's last counted failure
    (failures while locked are not counted: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off)."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    ends = (last or timezone.now()) + cool_off
    seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
    return ApplicationError(
        ErrorCode.THROTTLED,
        f"Too many failed sign-ins for this username from your address. "
        f"Try again in {seconds} seconds.",
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(seconds)},
    )


def login_locked_out_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> JsonResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: every login path (/api-auth/login/, /admin/login/ and
    the token endpoint) answers a locked pair with the same 429 in the API's error shape."""
    error = login_lockout_error(request, credentials)
    response = JsonResponse(error_body(error.code, error.message), status=error.status_code)
    for header, value in error.headers.items():
        response[header] = value
    return response
