"""The served OpenAPI schema links each operation that returns an id to the operations that take
it (core/schema.py `add_links`), so that a client or a stateful fuzzer reaches every operation with
real ids instead of a guessed one and a 404."""

import pytest

from tests.core.openapi import schema_operations

pytestmark = pytest.mark.django_db

# Operations with a path parameter that no link needs to reach, each with its reason.
# (Empty today: every such operation is the target of a link.)
UNLINKED_ALLOWLIST: dict[str, str] = {}


def _links(schema, method: str, path: str) -> dict:
    operation = schema["paths"][path][method]
    return {
        name: link
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for name, link in response.get("links", {}).items()
    }


def _operation_id(schema, method: str, path: str) -> str:
    return schema["paths"][path][method]["operationId"]


@pytest.mark.parametrize(
    ("source", "target", "parameter", "expression"),
    [
        ("POST /api/v1/loops/", "GET /api/v1/loops/{id}/", "path.id", "$response.body#/id"),
        ("POST /api/v1/loops/", "POST /api/v1/loops/{id}/cancel/", "path.id", "$response.body#/id"),
        (
            "POST /api/v1/scorecards/",
            "POST /api/v1/scorecards/{id}/submit/",
            "path.id",
            "$response.body#/id",
        ),
        (
            "POST /api/v1/scorecards/",
            "POST /api/v1/scorecards/{id}/amend/",
            "path.id",
            "$response.body#/id",
        ),
        (
            "POST /api/v1/calibration-reports/",
            "GET /api/v1/calibration-reports/{id}/export/",
            "path.id",
            "$response.body#/id",
        ),
        # A list hands its first item's id on: the ids of data the fuzzer did not create.
        (
            "GET /api/v1/loops/",
            "GET /api/v1/loops/{id}/",
            "path.id",
            "$response.body#/results/0/id",
        ),
        # A secret, not an id: the calendar feed URL's, from the answer that issued it.
        (
            "POST /api/v1/me/calendar-feed/",
            "GET /api/v1/calendar-feeds/{secret}/calendar.ics",
            "path.secret",
            "$response.body#/secret",
        ),
        # Another resource's id in a body: the scorecard's loop.
        (
            "GET /api/v1/scorecards/{id}/",
            "GET /api/v1/loops/{id}/",
            "path.id",
            "$response.body#/loop",
        ),
    ],
)
def test_a_created_or_listed_id_links_to_the_operations_that_take_it(
    schema, source, target, parameter, expression
):
    source_method, source_path = source.split(" ")
    target_method, target_path = target.split(" ")
    links = _links(schema, source_method.lower(), source_path)
    link = links[_operation_id(schema, target_method.lower(), target_path)]
    assert link["parameters"][parameter] == expression


@pytest.mark.parametrize(
    ("source", "target", "field", "expression"),
    [
        # A loop's sessions are what a scorecard is written for.
        (
            "POST /api/v1/loops/",
            "POST /api/v1/scorecards/",
            "session",
            "$response.body#/sessions/0/id",
        ),
        (
            "GET /api/v1/me/sessions/",
            "POST /api/v1/scorecards/",
            "session",
            "$response.body#/results/0/id",
        ),
        # `template` names a loop template.
        ("POST /api/v1/loop-templates/", "POST /api/v1/loops/", "template", "$response.body#/id"),
        ("POST /api/v1/candidates/", "POST /api/v1/loops/", "candidate", "$response.body#/id"),
        ("POST /api/v1/jobs/", "POST /api/v1/loop-templates/", "job", "$response.body#/id"),
    ],
)
def test_an_id_in_a_response_fills_the_request_body_field_named_after_its_resource(
    schema, source, target, field, expression
):
    source_method, source_path = source.split(" ")
    target_method, target_path = target.split(" ")
    links = _links(schema, source_method.lower(), source_path)
    link = links[_operation_id(schema, target_method.lower(), target_path)]
    assert link["requestBody"][field] == expression


def test_every_operation_with_a_path_parameter_is_the_target_of_a_link(schema):
    targets = {
        link["operationId"]
        for path, method, _ in schema_operations(schema)
        for link in _links(schema, method, path).values()
    }
    unreached = [
        f"{method.upper()} {path}"
        for path, method, operation in schema_operations(schema)
        if "{" in path
        and operation["operationId"] not in targets
        and f"{method.upper()} {path}" not in UNLINKED_ALLOWLIST
    ]
    assert unreached == []
    assert len(targets) >= 25


def test_links_never_point_at_an_unknown_operation_or_parameter(schema):
    operations = {
        operation["operationId"]: (path, operation)
        for path, _, operation in schema_operations(schema)
    }
    for path, method, _ in schema_operations(schema):
        for name, link in _links(schema, method, path).items():
            target_path, target = operations[link["operationId"]]
            declared = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            for parameter, expression in link.get("parameters", {}).items():
                location, _, parameter_name = parameter.partition(".")
                assert location == "path" and parameter_name in declared, (path, name)
                assert expression.startswith(("$response.body#/", "$request.path.")), (path, name)
            fields = target.get("requestBody", {}).get("content", {}).get("application/json", {})
            assert not link.get("requestBody") or fields, (path, name)


def test_links_follow_a_new_endpoint_without_being_written_for_it():
    """The hook derives links from paths and schemas only: a nested collection added later
    (a job's team, keyed by user) is linked from the job and from the user it lists."""
    from core.schema import add_links

    def operation(operation_id, response=None, body=None):
        result = {"operationId": operation_id, "responses": {}}
        if response is not None:
            result["responses"]["200"] = {
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{response}"}}
                }
            }
        if body is not None:
            result["requestBody"] = {
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                }
            }
        return result

    integer = {"type": "integer"}
    result = {
        "paths": {
            "/api/v1/jobs/": {"post": operation("jobs_create", "Job")},
            "/api/v1/jobs/{pk}/team/": {
                "post": operation("jobs_team_create", "Member", body="MemberInput")
            },
            "/api/v1/jobs/{pk}/team/{user}/": {"delete": operation("jobs_team_destroy")},
            "/api/v1/users/": {"post": operation("users_create", "User")},
            "/api/v1/users/{id}/": {"get": operation("users_retrieve", "User")},
        },
        "components": {
            "schemas": {
                "Job": {"type": "object", "properties": {"id": integer}},
                "User": {"type": "object", "properties": {"id": integer}},
                "Member": {"type": "object", "properties": {"user": integer, "role": {}}},
                "MemberInput": {"type": "object", "properties": {"user": integer}},
            }
        },
    }
    paths = add_links(result, None, None, True)["paths"]
    job_links = paths["/api/v1/jobs/"]["post"]["responses"]["200"]["links"]
    assert job_links["jobs_team_create"]["parameters"] == {"path.pk": "$response.body#/id"}
    member_links = paths["/api/v1/jobs/{pk}/team/"]["post"]["responses"]["200"]["links"]
    assert member_links["jobs_team_destroy"]["parameters"] == {
        "path.pk": "$request.path.pk",
        "path.user": "$response.body#/user",
    }
    user_links = paths["/api/v1/users/"]["post"]["responses"]["200"]["links"]
    assert user_links["users_retrieve"]["parameters"] == {"path.id": "$response.body#/id"}


def test_only_the_calendar_feeds_own_answer_fills_its_secret(schema):
    """Rule 3 of core/schema.py: a webhook's `secret` is a string of that name too, and must not
    be offered as a calendar feed's."""
    target = _operation_id(schema, "get", "/api/v1/calendar-feeds/{secret}/calendar.ics")
    sources = sorted(
        f"{method.upper()} {path}"
        for path, method, _ in schema_operations(schema)
        if target in _links(schema, method, path)
    )
    assert sources == ["POST /api/v1/me/calendar-feed/"]
