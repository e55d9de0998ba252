from rest_framework import pagination

from core.errors import ApplicationError, ErrorCode


def _positive_int(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # An empty value is refused like any other non-number: leave the parameter out instead.
    if not (raw.isascii() and raw.isdigit()) or raw.lstrip("0") == "":
        raise ApplicationError(
            ErrorCode.VALIDATION_ERROR,
            f"{name} must be a whole number of at least 1, got {raw[:40]!r}.",
            {name: ["Must be a whole number of at least 1."]},
        )
    # Python refuses to parse integers of over 4,300 digits (a ValueError, so a 500), so the
    # value is never parsed whole: a page number this long is past the last page (404), a page
    # size this long past the cap, anyway.
    digits = raw.lstrip("0")
    return int(digits) if len(digits) <= 18 else 10**18


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200; larger values are served as 200), API.md."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        size = _positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Results per page (default 50); values above 200 are served as 200.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
