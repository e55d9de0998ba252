"""Idempotent creates: the `Idempotency-Key` header (API.md, Conventions).

The same key with the same body returns the original response and creates nothing; the same key
with another body is a 409. The record is inserted in the same transaction as the create, so a
concurrent retry waits on the unique index and then replays the committed response; a later retry
finds the key taken the same way (one INSERT, no lookup, for a new key). Plain SQL: these two
statements run on every create that carries a key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
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


def _table() -> str:
    return connection.ops.quote_name(IdempotencyRecord._meta.db_table)


def _as_json() -> str:
    # PostgreSQL stores the JSON text as jsonb; SQLite (`make run`) as the text itself.
    return "::jsonb" if connection.vendor == "postgresql" else ""


_KEY = '"key"'  # a keyword in some SQL dialects; quoted the same in PostgreSQL and SQLite


def _claim(*, request: Request, key: str, fingerprint: str) -> int | None:
    """Insert the key's record (no response yet); its id, or None when the key was used before
    (or by a request that committed first while this one waited for it on the unique index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table()} (user_id, {_KEY}, method, path, request_fingerprint, "
            f"created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, {_KEY}) "
            "DO NOTHING RETURNING id",
            [request.user.pk, key, request.method, request.path[:500], fingerprint, timezone.now()],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _remember(*, record_id: int, response: Response) -> None:
    """Store the response to replay (the JSON it renders to, as a JSON value)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET status_code = %s, response_body = %s{_as_json()} WHERE id = %s",
            [response.status_code, json.dumps(response.data, default=str), record_id],
        )


def _replay_recorded(*, request: Request, key: str, fingerprint: str) -> Response:
    existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if existing is None or existing.status_code is None:
        # Removed since (a purge) between the insert that found it and this read.
        raise ApplicationError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "A request with this Idempotency-Key was being recorded; retry it.",
            {"Idempotency-Key": ["Retry the request."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return _replay(existing, fingerprint)


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
        # No lookup first: a new key (nearly every request) costs one INSERT and, once answered,
        # one UPDATE with the response; a key already used inserts nothing and is replayed.
        with transaction.atomic():
            record_id = _claim(request=request, key=key, fingerprint=fingerprint)
            if record_id is None:
                return _replay_recorded(request=request, key=key, fingerprint=fingerprint)
            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= 400:
                # A refused request is not remembered: the client may fix it and retry
                # with the same key. Roll back the record with the transaction.
                transaction.set_rollback(True)
                return response
            _remember(record_id=record_id, response=response)
            return response

    return wrapper
