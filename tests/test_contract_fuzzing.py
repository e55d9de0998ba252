"""Contract fuzzing: schemathesis drives every operation of our own OpenAPI schema through the
WSGI app, signed in as each role. No 5xx, every response documented and matching the schema,
negative data rejected. `bench/fuzz_contract.py` runs the same with many more examples.
"""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    positive_data_acceptance,
    use_after_free,
)

from config.wsgi import application
from core.services import token_create
from tests.factories import (
    CompetencyFactory,
    LevelFactory,
    QuestionFactory,
    RubricCriterionFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# bench/fuzz_contract.py sets this to count examples and status codes per operation.
REPORT = os.environ.get("FUZZ_REPORT")

# Random ids rarely exist, so a valid-looking request may fairly be a 404 or a 409:
# "positive data accepted" does not hold for a stateful API fuzzed blind. use_after_free and
# ignored_auth assume REST semantics (DELETE, auth by schema security) that we do not follow.
EXCLUDED = [positive_data_acceptance, use_after_free, ignored_auth]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: calls through the WSGI app must not close the connection that
    holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bank(db):
    level = LevelFactory(slug="beginner", name="Beginner", order=1)
    competency = CompetencyFactory(slug="metric-definition")
    question = QuestionFactory(pk=1, level=level)
    question.competencies.add(competency)
    RubricCriterionFactory(pk=1, question=question, order=1)


@pytest.fixture(params=["admin_user", "hiring_manager", "interviewer", "recruiter"])
def role_user(request, bank):
    return request.getfixturevalue(request.param)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_contract(case, role_user, settings):
    # The fuzzer sends many writes; the write limit is tested elsewhere.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user_writes": "100000/min",
        },
    }
    # The fuzzer's failed sign-ins must not lock the pair it keeps using.
    settings.AXES_FAILURE_LIMIT = 100000
    # A new token per example: POST /auth/logout/ and /auth/logout-all/ revoke the caller's.
    _row, token = token_create(user=role_user)
    headers = {"Authorization": f"Token {token}"}
    response = case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
    if REPORT:
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        line = json.dumps({"operation": operation, "status": response.status_code}) + "\n"
        # One write per line in append mode, so that pytest-xdist workers can share the file.
        with open(REPORT, "a") as report:
            report.write(line)
