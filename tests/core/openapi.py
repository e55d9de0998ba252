"""Walking the served OpenAPI schema (the `schema` fixture of tests/core/conftest.py)."""

from collections.abc import Iterator

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})


def schema_operations(schema: dict) -> Iterator[tuple[str, str, dict]]:
    """(path, method, operation) of every HTTP operation of the schema."""
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                yield path, method, operation
