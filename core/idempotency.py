"""Idempotent creates: the `Idempotency-Key` header (API.md, Conventions).

The same key with the same body returns the original response and creates nothing; the same key
with another body is a 409. The record is inserted in the same transaction as the create, so a
concurrent retry waits on the unique index and then replays the committed response; a later retry
finds the key taken the same way (one INSERT, no lookup, for a new key).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import ApplicationError, ErrorCode
from core.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        raise ApplicationError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new request.",
            {"Idempotency-Key": ["Already used with another body."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method: Callable) -> Callable:
    """Decorate a view's `post` so that an Idempotency-Key makes it safe to retry."""

    @functools.wraps(view_method)
    def wrapper(self, request: Request, *args, **kwargs) -> Response:
        key = request.META.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ApplicationError(
                ErrorCode.VALIDATION_ERROR,
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                {"Idempotency-Key": ["Invalid length."]},
            )
        fingerprint = _fingerprint(request)
        # No lookup first: a new key (nearly every request) costs one INSERT, and a key already
        # used fails that INSERT on the unique index and is replayed below.
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_fingerprint=fingerprint,
                )
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    # A refused request is not remembered: the client may fix it and retry
                    # with the same key. Roll back the record with the savepoint.
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, default=str))
                record.save(update_fields=["status_code", "response_body"])
                return response
        except IntegrityError:
            # This key was used before, or by a request that committed first while we waited
            # for it on the unique index.
            existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if existing is None or existing.status_code is None:
                raise
            return _replay(existing, fingerprint)

    return wrapper
