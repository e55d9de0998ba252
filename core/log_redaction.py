"""Secrets that travel in a URL path never reach our logs.

Django logs every 4xx and 5xx with its path (`django.request`: "Not Found: /api/v1/...", also on a
406 or 429 for a live secret), and the development server logs every request (`django.server`).
The calendar feed URL carries its secret in the path, so this filter rewrites the secret segment
to `[redacted]` in the message and its arguments before any handler formats them. settings
.LOGGING puts it on those two loggers (so every handler, pytest's capture included, sees the
redacted record) and on the console handler (for any other logger that writes a path).
"""

from __future__ import annotations

import logging
import re

# /calendar-feeds/<secret>/...: the segment after the collection, whatever it holds.
SECRET_IN_PATH = re.compile(r"(/calendar-feeds/)[^/\s\"'?#]+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(REDACTED, text)


def _redact_argument(value):
    return redact(value) if isinstance(value, str) else value


class SecretPathRedactionFilter(logging.Filter):
    """Rewrites secrets in paths (see the module docstring); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_argument(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_argument(value) for key, value in record.args.items()}
        return True
