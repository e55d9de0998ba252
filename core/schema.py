"""OpenAPI: the token scheme, and every operation documents the API's error responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (core.authentication, django-rest-knox underneath).

    Registered on import (core.apps). Named as DRF's token scheme was, so clients see no change."""

    target_class = "core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


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
# Refused by gunicorn before the application (config/gunicorn.py, docs/SECURITY.md), as plain
# text, not in the error shape.
SERVER_LIMIT_RESPONSES = {
    "414": "Request line (path and query string) over 4094 bytes; answered by gunicorn.",
    "431": "Over 100 header fields, or one over 8190 bytes; answered by gunicorn.",
}
PLAIN_TEXT = {"text/plain": {"schema": {"type": "string"}}}
PUBLIC_PATHS = {"/healthz"}
# An operation that reads no credentials (the token endpoint, the secret-URL calendar feed)
# never answers these.
SIGNED_IN_ONLY_RESPONSES = {"401", "403"}


def is_anonymous(operation: dict) -> bool:
    """No authentication at all: drf-spectacular writes `security: [{}]` for such a view."""
    return operation.get("security") == [{}]


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
                if status in SIGNED_IN_ONLY_RESPONSES and is_anonymous(operation):
                    continue
                current = responses.setdefault(status, {"description": description})
                current.setdefault("content", reference)
            for status, description in SERVER_LIMIT_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": PLAIN_TEXT})
            for status, current in responses.items():
                # A view's own 4xx (declared with a description only) answers in the same shape.
                if status.startswith(("4", "5")) and "content" not in current:
                    current["content"] = reference
    return result


# --- OpenAPI links --------------------------------------------------------------------------------
#
# Links tell a client (and a stateful fuzzer such as schemathesis) where the ids an operation
# returns can be used next: `POST /loops/` -> `GET /loops/{id}/` with `id = $response.body#/id`.
# They are derived from the schema itself, never written per view, so an endpoint added later is
# linked as soon as it follows the two conventions below.
#
# 1. A resource is named by its collection: the segment before a `{id}`/`{pk}` path parameter
#    (`/loops/{id}/` -> `loop`, `/loop-templates/{id}/` -> `loop_template`), a parameter named after
#    its resource (`/jobs/{pk}/team/{user}/` -> `user`), or a list's last segment
#    (`/me/sessions/` -> `session`).
# 2. A field holds an id of a resource when it is an integer named after that resource (`session`,
#    `candidate`, `loop`, `template` for `loop_template`, `user_id`), or when it is the integer `id`
#    of an object that is that resource (the object a detail path returns, the items of a list, the
#    items of an array field named after the resource such as a loop's `sessions`).
#
# 3. A path parameter that is not an id but a secret (`/calendar-feeds/{secret}/calendar.ics`) is
#    filled from the string field of the same name in a success response of an operation on the
#    same resource, named by its path's last segment (`/me/calendar-feed/`, whose POST returns
#    `secret`): another resource's `secret` (a webhook's) never fills it.
#
# Every success response then links to every operation whose path parameters (and integer request
# body fields named after a resource) it can fill: path parameters from the response body, or from
# the source's own path parameter of the same name on the same prefix (`/jobs/{pk}/team/` ->
# `/jobs/{pk}/team/{user}/`). Body fields are set with the link's `requestBody`; schemathesis merges
# them into the body it generates.

SUCCESS_STATUSES = ("200", "201", "202")
ID_PARAMETERS = {"id", "pk"}
# Nested objects are searched this deep for ids (a loop -> its sessions -> their questions).
MAX_ID_DEPTH = 3


def _is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _singular(segment: str) -> str:
    name = segment.replace("-", "_")
    if name.endswith("ies"):
        return name[: -len("ies")] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _parameter_resource(segments: list[str], index: int) -> str | None:
    """The resource a path parameter names: `{id}` after `loops` is a loop, `{user}` a user."""
    name = segments[index][1:-1]
    if name in ID_PARAMETERS:
        before = segments[index - 1] if index > 0 else ""
        return _singular(before) if before and not _is_parameter(before) else None
    for suffix in ("_id", "_pk"):
        name = name.removesuffix(suffix)
    return name


class _Links:
    """One pass over a generated schema, adding `links` to its success responses."""

    def __init__(self, result: dict):
        self.result = result
        self.components = result.get("components", {}).get("schemas", {})
        self.operations = [
            (path, method, operation)
            for path, operations in result.get("paths", {}).items()
            for method, operation in operations.items()
            if method in {"get", "post", "put", "patch", "delete"}
        ]
        # collection path ("/api/v1/loops/") -> the resource its items are
        self.collections: dict[str, str] = {}
        # component name of a detail response ("LoopOutput") -> its resource
        self.detail_components: dict[str, str] = {}
        for path, method, operation in self.operations:
            segments = path.split("/")
            for index, segment in enumerate(segments):
                if _is_parameter(segment) and index > 0 and not _is_parameter(segments[index - 1]):
                    resource = _parameter_resource(segments, index)
                    if resource:
                        self.collections.setdefault("/".join(segments[:index]) + "/", resource)
            if method == "get" and self._list_item(operation) is not None:
                last = [segment for segment in segments if segment][-1]
                if not _is_parameter(last):
                    self.collections.setdefault(path, _singular(last))
        for path, method, operation in self.operations:
            segments = path.rstrip("/").split("/")
            if method == "get" and _is_parameter(segments[-1]):
                reference = self._success_schema(operation, ref_only=True)
                resource = _parameter_resource(segments, len(segments) - 1)
                if reference and resource:
                    self.detail_components.setdefault(reference, resource)
        self.resources = set(self.collections.values())

    # --- reading schemas

    def _resolve(self, schema: dict | None) -> dict:
        seen = 0
        while isinstance(schema, dict) and seen < 10:
            seen += 1
            if "$ref" in schema:
                schema = self.components.get(schema["$ref"].rsplit("/", 1)[-1])
            elif len(schema.get("allOf", ())) == 1:
                schema = schema["allOf"][0]
            else:
                return schema
        return schema if isinstance(schema, dict) else {}

    def _success_schema(self, operation: dict, ref_only: bool = False):
        for status in SUCCESS_STATUSES:
            content = operation.get("responses", {}).get(status, {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is not None:
                if ref_only:
                    return schema.get("$ref", "").rsplit("/", 1)[-1] or None
                return self._resolve(schema)
        return None

    def _list_item(self, schema_or_operation: dict) -> dict | None:
        """The item schema of a paginated list (`results: [...]`), else None."""
        schema = schema_or_operation
        if "responses" in schema_or_operation:
            schema = self._success_schema(schema_or_operation) or {}
        results = self._resolve(schema.get("properties", {}).get("results"))
        if results.get("type") == "array":
            return self._resolve(results.get("items"))
        return None

    def _field_resource(self, name: str) -> str | None:
        """`session` -> session, `template` -> loop_template, `user_id` -> user; else None."""
        for suffix in ("_id", "_pk"):
            name = name.removesuffix(suffix)
        if name in self.resources:
            return name
        matches = sorted(resource for resource in self.resources if resource.endswith(f"_{name}"))
        return matches[0] if len(matches) == 1 else None

    @staticmethod
    def _is_integer(schema: dict) -> bool:
        return schema.get("type") == "integer"

    # --- what a response provides

    def _provided(self, schema: dict, pointer: str, resource: str | None, depth: int = 0):
        """resource -> JSON pointer of an id of it in a body of this schema, shallowest first."""
        provided: dict[str, str] = {}
        properties = schema.get("properties", {})
        if resource and self._is_integer(self._resolve(properties.get("id"))):
            provided[resource] = f"{pointer}/id"
        nested = []
        for name, field in properties.items():
            field = self._resolve(field)
            named = self._field_resource(name)
            if name == "id":
                continue
            if self._is_integer(field) and named:
                provided.setdefault(named, f"{pointer}/{name}")
            elif field.get("type") == "object" or "properties" in field:
                nested.append((field, f"{pointer}/{name}", named))
            elif field.get("type") == "array":
                items = self._resolve(field.get("items"))
                if "properties" in items:
                    nested.append(
                        (items, f"{pointer}/{name}/0", self._field_resource(_singular(name)))
                    )
        if depth < MAX_ID_DEPTH:
            for field, field_pointer, named in nested:
                for key, value in self._provided(field, field_pointer, named, depth + 1).items():
                    provided.setdefault(key, value)
        return provided

    def _own_resource(self, path: str, method: str, operation: dict) -> str | None:
        """The resource whose `id` a success response of this operation carries."""
        segments = path.rstrip("/").split("/")
        if _is_parameter(segments[-1]):
            return _parameter_resource(segments, len(segments) - 1)
        reference = self._success_schema(operation, ref_only=True)
        if reference in self.detail_components:
            return self.detail_components[reference]
        if method == "post":
            return self.collections.get(path)
        return None

    def provided(self, path: str, method: str, operation: dict) -> dict[str, str]:
        schema = self._success_schema(operation)
        if not schema:
            return {}
        item = self._list_item(schema)
        if item is not None:
            return self._provided(item, "/results/0", self.collections.get(path))
        return self._provided(schema, "", self._own_resource(path, method, operation))

    # --- what an operation consumes

    def path_parameters(self, path: str) -> list[tuple[int, str, str | None]]:
        segments = path.split("/")
        return [
            (index, segment[1:-1], _parameter_resource(segments, index))
            for index, segment in enumerate(segments)
            if _is_parameter(segment)
        ]

    def body_fields(self, operation: dict) -> dict[str, str]:
        """Top-level integer request-body fields that hold an id: field -> resource."""
        content = operation.get("requestBody", {}).get("content", {})
        schema = self._resolve(content.get("application/json", {}).get("schema"))
        fields = {}
        for name, field in schema.get("properties", {}).items():
            resource = self._field_resource(name)
            if resource and name != "id" and self._is_integer(self._resolve(field)):
                fields[name] = resource
        return fields

    # --- the links

    def _secret_field(
        self, source_path: str, source: dict, target_segments: list[str], index: int
    ) -> str | None:
        """Rule 3: the pointer to the string field that fills the non-id path parameter at
        `index` of the target, when the source is an operation on that parameter's resource."""
        name = target_segments[index][1:-1]
        before = target_segments[index - 1] if index > 0 else ""
        if name in ID_PARAMETERS or not before or _is_parameter(before):
            return None
        source_last = [segment for segment in source_path.split("/") if segment][-1]
        if _is_parameter(source_last) or _singular(source_last) != _singular(before):
            return None
        schema = self._success_schema(source) or {}
        field = self._resolve(schema.get("properties", {}).get(name))
        return f"/{name}" if field.get("type") == "string" else None

    def link(self, source_path: str, provided: dict, target_path: str, target: dict, source: dict):
        source_segments = source_path.split("/")
        target_segments = target_path.split("/")
        parameters, from_response = {}, []
        for index, name, resource in self.path_parameters(target_path):
            secret = self._secret_field(source_path, source, target_segments, index)
            if resource in provided:
                parameters[f"path.{name}"] = f"$response.body#{provided[resource]}"
                from_response.append(f"`{name}`")
            elif secret is not None:
                parameters[f"path.{name}"] = f"$response.body#{secret}"
                from_response.append(f"`{name}`")
            elif source_segments[: index + 1] == target_segments[: index + 1]:
                parameters[f"path.{name}"] = f"$request.path.{name}"
            else:
                return None
        body = {
            name: f"$response.body#{provided[resource]}"
            for name, resource in self.body_fields(target).items()
            if resource in provided
        }
        if not from_response and not body:
            return None
        link = {"operationId": target["operationId"]}
        if parameters:
            link["parameters"] = parameters
        if body:
            link["requestBody"] = body
            from_response.extend(f"body `{name}`" for name in body)
        link["description"] = f"Fills {', '.join(from_response)} from this response."
        return link

    def add(self) -> dict:
        for source_path, method, operation in self.operations:
            provided = self.provided(source_path, method, operation)
            links = {}
            for target_path, _, target in self.operations:
                if "operationId" not in target:
                    continue
                link = self.link(source_path, provided, target_path, target, operation)
                if link is not None:
                    links[target["operationId"]] = link
            if not links:
                continue
            responses = operation["responses"]
            for status in SUCCESS_STATUSES:
                if status in responses:
                    responses[status] = {**responses[status], "links": links}
                    break
        return self.result


def add_links(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular postprocessing hook: OpenAPI links between the operations (see above)."""
    return _Links(result).add()
