"""Renderers for endpoints that answer in another format than JSON, errors included in JSON.

A view that serves a file (a calendar) lists its own renderer, so `Accept: text/calendar`, `*/*`
and no Accept header all get the file, and another Accept is a 406. Its errors (401, 404, 429,
the 406 itself) still come out in the API's one JSON error shape: `JSONErrorsMixin` renders every
response that is not the file (errors, OPTIONS metadata) with the JSON renderer, whatever was
negotiated for the file.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response


class ICalendarRenderer(BaseRenderer):
    """text/calendar (RFC 5545); the view hands over the calendar already serialized (bytes)."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        raise TypeError("ICalendarRenderer renders bytes built by the view (icalendar's to_ical).")


class JSONErrorsMixin:
    """Render every response but the file itself (errors, OPTIONS) as JSON, whatever renderer
    was negotiated. The view answers the file as a Response of bytes."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and not isinstance(response.data, bytes):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
