"""Near-valid bodies: each write operation's valid body, then that body with one field (at any
depth) removed or replaced by an edge value, one request each, every one in a savepoint rolled
back. Every answer must be below 500 and a status the schema documents for the operation.

Runs in CI (about 4,500 requests, 40 s on a quiet 2-core machine; `FUZZ_MUTATIONS=0` skips it
for a quick local run): a guard against the 500s it exists to find. Schemathesis
draws strings without surrogates and rarely gets a body valid enough to reach the checks behind
the first field; this run found the lone-surrogate 500 (core/parsers.py) that 82,000 fuzzed
requests had not (docs/RELIABILITY.md, campaign of 2026-11-30).
"""

import copy
import json
import os

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

if os.environ.get("FUZZ_MUTATIONS") == "0":
    # Before the import below, which builds the schema: skipped, the file costs nothing.
    pytest.skip("FUZZ_MUTATIONS=0", allow_module_level=True)

from tests.test_contract_fuzzing_stateful import world  # noqa: E402, F401 -- the seeded world

pytestmark = pytest.mark.usefixtures("keep_test_connection")

EDGES = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    2**31,
    2**63,
    2**64,
    10**30,
    1.5,
    -0.0,
    1e-320,
    1e308,
    "",
    " ",
    "\x00",
    "\u2028",
    "\ud800",
    "\udc00\ud800",
    "é",
    "a\u0301",
    "\U0001f600" * 3000,
    "a" * 5000,
    "9" * 400,
    "beginner",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "-1",
    [],
    [None],
    [1],
    ["beginner"],
    [[[]]],
    {},
    {"a": 1},
    {"beginner": 1},
    {"\ud800": 1},
]


def mutations(body):
    """(label, body) with one change each: a key removed, a value replaced, an extra key, the
    first item of a list changed or repeated; recursively."""
    if isinstance(body, dict):
        for key in list(body):
            changed = copy.deepcopy(body)
            del changed[key]
            yield f"-{key}", changed
            for value in EDGES:
                changed = copy.deepcopy(body)
                changed[key] = value
                yield f"{key}={value!r:.24}", changed
            for label, inner in mutations(body[key]):
                changed = copy.deepcopy(body)
                changed[key] = inner
                yield f"{key}.{label}", changed
        for key in ("\ud800", "zz", "beginner"):
            yield f"+{key!r}", {**copy.deepcopy(body), key: 1}
    elif isinstance(body, list) and body:
        for label, inner in mutations(body[0]):
            yield f"0.{label}", [inner, *copy.deepcopy(body[1:])]
        yield "repeated", [*copy.deepcopy(body), copy.deepcopy(body[0])]


def write_operations(users, objects):
    """(user, method, path template, path, valid body) of the write operations."""
    admin, hm, iv = users["admin_user"], users["hiring_manager"], users["interviewer"]
    o = objects
    rating = [{"criterion": c, "rating": 3, "note": ""} for c in o["criteria"]]
    question = {
        "slug": "s1",
        "level": "beginner",
        "prompt": "p",
        "hint": "h",
        "competencies": ["metric-definition"],
        "estimated_minutes": 10,
        "is_active": True,
        "rubric": [{"text": "a", "weight": 1}],
    }
    template = {
        "name": "T2",
        "job": o["job"],
        "level_quotas": {"beginner": 1},
        "session_count": 1,
        "session_minutes": 30,
        "interviewers_per_session": 1,
        "interviewer_pool": o["pool"],
        "trainees_per_session": 1,
    }
    return [
        (hm, "post", "/api/v1/loop-templates/", {**template}),
        (hm, "patch", "/api/v1/loop-templates/{id}/", o["template"], {**template, "name": "T3"}),
        (
            hm,
            "post",
            "/api/v1/loops/",
            {
                "candidate": o["candidate"],
                "template": o["template"],
                "interviewers": [users["interviewer"].pk, users["other_interviewer"].pk],
                "seed": 1,
            },
        ),
        (admin, "post", "/api/v1/questions/", question),
        (admin, "patch", "/api/v1/questions/{id}/", o["question"], {**question, "slug": "s2"}),
        (
            iv,
            "patch",
            "/api/v1/scorecards/{id}/",
            o["draft"],
            {
                "overall_recommendation": "yes",
                "summary": "x",
                "ratings": rating,
            },
        ),
        (iv, "post", "/api/v1/scorecards/{id}/submit/", o["draft"], {}),
        (
            iv,
            "post",
            "/api/v1/scorecards/",
            {
                "session": o["other_session"],
                "overall_recommendation": "yes",
                "summary": "x",
                "ratings": rating,
                "submit": True,
            },
        ),
        (
            hm,
            "post",
            "/api/v1/loops/{id}/swap/",
            o["draft_loop"],
            {
                "session": o["draft_session"],
                "question_out": o["draft_session_question"],
                "question_in": o["spare_question"],
            },
        ),
        (
            hm,
            "post",
            "/api/v1/loops/{id}/schedule/",
            o["draft_loop"],
            {
                "sessions": [
                    {"id": o["draft_session"], "scheduled_at": "2026-12-01T10:00:00Z"},
                ],
            },
        ),
        (hm, "post", "/api/v1/loops/{id}/decision/", o["loop"], {"decision": "hire", "note": "n"}),
        (
            admin,
            "post",
            "/api/v1/interviewer-pools/",
            {
                "name": "P2",
                "levels": ["beginner"],
                "competencies": ["metric-definition"],
            },
        ),
        (
            admin,
            "patch",
            "/api/v1/interviewer-pools/{id}/",
            o["pool"],
            {
                "name": "P3",
                "levels": ["beginner"],
                "competencies": ["metric-definition"],
            },
        ),
        (
            admin,
            "post",
            "/api/v1/interviewer-pools/{id}/members/",
            o["pool"],
            {
                "user": users["interviewer"].pk,
                "status": "qualified",
            },
        ),
        (
            admin,
            "post",
            "/api/v1/jobs/{id}/team/",
            o["job"],
            {
                "user": users["recruiter"].pk,
                "role": "recruiter",
            },
        ),
        (
            admin,
            "post",
            "/api/v1/jobs/",
            {
                "title": "J",
                "seniority": "senior",
                "hiring_manager": users["hiring_manager"].pk,
            },
        ),
        (admin, "patch", "/api/v1/jobs/{id}/", o["job"], {"title": "J2", "seniority": "junior"}),
        (
            admin,
            "post",
            "/api/v1/webhooks/",
            {
                "url": "https://1.1.1.1/h",
                "events": ["loop.scheduled"],
                "is_active": True,
            },
        ),
        (
            admin,
            "patch",
            "/api/v1/webhooks/{id}/",
            o["webhook"],
            {
                "url": "https://1.1.1.1/h",
                "events": ["loop.scheduled"],
                "is_active": True,
            },
        ),
        (
            hm,
            "post",
            "/api/v1/calibration-reports/",
            {
                "filters": {
                    "job": o["job"],
                    "since": "2026-01-01",
                    "until": "2026-12-31",
                    "interviewers": [users["interviewer"].pk],
                    "levels": ["beginner"],
                    "questions": [o["question"]],
                    "granularity": "month",
                }
            },
        ),
        (
            admin,
            "patch",
            "/api/v1/interviewers/{id}/",
            users["interviewer"].pk,
            {"weekly_limit": 5},
        ),
        (admin, "post", "/api/v1/me/tokens/", {"name": "x", "expires_in_days": 30}),
        (
            admin,
            "post",
            "/api/v1/users/",
            {
                "username": "newu",
                "email": "a@example.com",
                "password": "correct horse battery 9",
                "roles": ["interviewer"],
                "is_active": True,
                "is_staff": False,
            },
        ),
        (
            admin,
            "patch",
            "/api/v1/users/{id}/",
            users["other_interviewer"].pk,
            {
                "email": "a@example.com",
                "roles": ["interviewer"],
                "is_active": True,
            },
        ),
        (
            hm,
            "post",
            "/api/v1/candidates/",
            {"name": "N", "email": "a@example.com", "external_id": "x1"},
        ),
        (hm, "patch", "/api/v1/candidates/{id}/", o["candidate"], {"name": "N2"}),
        (admin, "post", "/api/v1/candidates/{id}/erase/", o["candidate"], {"reason": "asked"}),
        (admin, "post", "/api/v1/levels/", {"slug": "lv2", "name": "Lv2", "order": 7}),
        (admin, "post", "/api/v1/competencies/", {"slug": "cp2", "name": "Cp2", "description": ""}),
        (
            admin,
            "post",
            "/api/v1/questions/import/",
            {
                "version": 1,
                "levels": [{"slug": "lv", "name": "Lv", "order": 3}],
                "competencies": [{"slug": "cp", "name": "Cp", "description": ""}],
                "questions": [{**question, "slug": "nq", "level": "lv", "competencies": ["cp"]}],
            },
        ),
        (
            None,
            "post",
            "/api/v1/auth/token/",
            {
                "username": "ivan_interviewer",
                "password": "correct horse battery",
            },
        ),
    ]


@pytest.mark.django_db
def test_near_valid_bodies_get_no_5xx_and_a_documented_status(
    world,  # noqa: F811 -- the fixture imported above
    client_for,
    settings,
    admin_user,
    hiring_manager,
    interviewer,
    other_interviewer,
    recruiter,
):
    from interviews.models import Candidate, InterviewerPool, InterviewSession, Job, LoopTemplate
    from questionbank.models import Question, RubricCriterion
    from scoring.scorecards.models import Scorecard
    from webhooks.models import WebhookSubscription

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user_writes": "100000/min",
            "login_username": "100000/min",
            "login_address": "100000/min",
        },
    }
    settings.AXES_FAILURE_LIMIT = 100000
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    users = {
        "admin_user": admin_user,
        "hiring_manager": hiring_manager,
        "interviewer": interviewer,
        "other_interviewer": other_interviewer,
        "recruiter": recruiter,
    }
    draft = Scorecard.objects.get(interviewer=interviewer)
    sessions = InterviewSession.objects.filter(loop=world).order_by("id")
    # The other candidate's loop is still a draft: its questions can be swapped, it can be
    # scheduled. (POST /scorecards/ stays a 409: the interviewer's one seat has their draft.)
    draft_session = (
        InterviewSession.objects.exclude(loop=world).filter(loop__status="draft").order_by("id")[0]
    )
    objects = {
        "job": Job.objects.get().pk,
        "template": LoopTemplate.objects.order_by("id").first().pk,
        "pool": InterviewerPool.objects.get().pk,
        "candidate": Candidate.objects.create(name="Cy").pk,
        "question": Question.objects.order_by("id").first().pk,
        "draft": draft.pk,
        "criteria": list(
            RubricCriterion.objects.filter(
                question__session_questions__session=draft.session
            ).values_list("id", flat=True)
        ),
        "loop": world.pk,
        "session": sessions[0].pk,
        "other_session": sessions[1].pk,
        "session_question": sessions[0].session_questions.first().question_id,
        "spare_question": Question.objects.exclude(
            session_questions__session__loop=draft_session.loop_id
        )
        .first()
        .pk,
        "webhook": WebhookSubscription.objects.get().pk,
        "draft_loop": draft_session.loop_id,
        "draft_session": draft_session.pk,
        "draft_session_question": draft_session.session_questions.first().question_id,
    }
    clients = {}
    failures, requests = [], 0
    for user, method, template, *rest in write_operations(users, objects):
        if len(rest) == 2:
            path, body = template.replace("{id}", str(rest[0])), rest[1]
        else:
            path, body = template, rest[0]
        if user not in clients:
            clients[user] = client_for(user)
        documented = set(paths[template][method]["responses"])
        for label, sent in [("valid", body), *mutations(body)]:
            savepoint = transaction.savepoint()
            try:
                response = getattr(clients[user], method)(
                    path, data=json.dumps(sent), content_type="application/json"
                )
                status = response.status_code
                if status >= 500 or str(status) not in documented:
                    failures.append(f"{method.upper()} {path} {label}: {status}")
            except Exception as exc:  # the test client re-raises what the view raised
                failures.append(f"{method.upper()} {path} {label}: {type(exc).__name__} {exc}")
            finally:
                transaction.savepoint_rollback(savepoint)
            requests += 1
    print(f"{requests} requests")
    assert not failures, "\n".join(failures[:50])
