"""The permission table of API.md's "Hiring teams", one test per row, role and team relation.

One job (hannah_hm's), its template and a draft loop in which ivan_interviewer interviews. Each
row is an operation; each column a kind of user: on the team (as hiring manager, coordinator,
recruiter), off it (another job's hiring manager, a global recruiter, an interviewer of the loop,
an interviewer elsewhere), an admin, and a signed-in user with no role at all.

Read the expected codes as the contract: 404 = "not yours to see", 403 = "you see it but may not
do this", 400 = "the job or template in your body is not one you can see".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from interviews.models import JobTeamMember, Loop
from tests.factories import (
    CandidateFactory,
    JobFactory,
    LevelFactory,
    LevelQuotaFactory,
    LoopTemplateFactory,
    QuestionFactory,
    RubricCriterionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = [
    "team_hiring_manager",
    "team_coordinator",
    "team_recruiter",
    "other_hiring_manager",
    "global_recruiter",
    "loop_interviewer",
    "interviewer_elsewhere",
    "admin",
    "no_role",
]

# operation -> expected status per actor, in ACTORS order.
TABLE = {
    "read job": (200, 200, 200, 404, 200, 404, 404, 200, 403),
    "rename job": (200, 200, 403, 404, 403, 404, 404, 200, 403),
    "hand job over": (200, 403, 403, 404, 403, 404, 404, 200, 403),
    "delete job (in use)": (409, 403, 403, 404, 403, 404, 404, 409, 403),
    "read team": (200, 200, 200, 404, 200, 404, 404, 200, 403),
    "add team member": (201, 403, 403, 404, 403, 404, 404, 201, 403),
    "remove team member": (204, 403, 403, 404, 403, 404, 404, 204, 403),
    "read template": (200, 200, 200, 404, 200, 404, 404, 200, 403),
    "edit template": (200, 200, 403, 404, 403, 404, 404, 200, 403),
    "create template for job": (201, 201, 403, 400, 403, 403, 403, 201, 403),
    "generate loop": (201, 201, 403, 400, 403, 403, 403, 201, 403),
    "read loop": (200, 200, 200, 404, 200, 200, 404, 200, 403),
    "swap question": (200, 200, 403, 404, 403, 403, 404, 200, 403),
    "schedule loop": (200, 200, 403, 404, 403, 403, 404, 200, 403),
    "cancel loop": (200, 200, 403, 404, 403, 403, 404, 200, 403),
    "decide loop (draft)": (409, 403, 403, 404, 403, 403, 404, 409, 403),
}


def _user(username: str, *roles: str, is_staff: bool = False):
    user = UserFactory(username=username, is_staff=is_staff)
    user.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in roles])
    return user


@pytest.fixture
def world(client_for):
    """The job, its team, a template on a small bank of its own, and a draft loop."""
    hannah = _user("hannah_hm", "hiring_manager")
    users = {
        "team_hiring_manager": hannah,
        "team_coordinator": _user("colin_coordinator"),
        "team_recruiter": _user("tina_team_recruiter"),
        "other_hiring_manager": _user("harry_hm", "hiring_manager"),
        "global_recruiter": _user("rita_recruiter", "recruiter"),
        "loop_interviewer": _user("ivan_interviewer", "interviewer"),
        "interviewer_elsewhere": _user("olga_interviewer", "interviewer"),
        "admin": _user("ada_admin", is_staff=True),
        "no_role": _user("oscar_outsider"),
    }
    job = JobFactory(hiring_manager=hannah)
    JobTeamMember.objects.create(job=job, user=users["team_coordinator"], role="coordinator")
    JobTeamMember.objects.create(job=job, user=users["team_recruiter"], role="recruiter")
    JobFactory(hiring_manager=users["other_hiring_manager"])  # harry plans a job of his own
    level = LevelFactory(slug="core")
    for _ in range(6):
        RubricCriterionFactory(question=QuestionFactory(level=level, estimated_minutes=10))
    template = LoopTemplateFactory(job=job, session_count=1, interviewers_per_session=1)
    LevelQuotaFactory(template=template, level=level, count=2)
    body = {
        "candidate": CandidateFactory().pk,
        "template": template.pk,
        "interviewers": [users["loop_interviewer"].pk],
        "seed": 3,
    }
    loop = client_for(users["admin"]).post("/api/v1/loops/", body, format="json").json()
    newcomer = _user("nina_newcomer")
    return {"users": users, "job": job, "template": template, "loop": loop, "newcomer": newcomer}


def _perform(operation: str, client, world) -> int:
    job, template, loop = world["job"], world["template"], world["loop"]
    session = loop["sessions"][0]
    loop_url = f"/api/v1/loops/{loop['id']}/"
    requests = {
        "read job": lambda: client.get(f"/api/v1/jobs/{job.pk}/"),
        "rename job": lambda: client.patch(
            f"/api/v1/jobs/{job.pk}/", {"title": "Renamed"}, format="json"
        ),
        "hand job over": lambda: client.patch(
            f"/api/v1/jobs/{job.pk}/",
            {"hiring_manager": world["users"]["team_hiring_manager"].pk},
            format="json",
        ),
        "delete job (in use)": lambda: client.delete(f"/api/v1/jobs/{job.pk}/"),
        "read team": lambda: client.get(f"/api/v1/jobs/{job.pk}/team/"),
        "add team member": lambda: client.post(
            f"/api/v1/jobs/{job.pk}/team/",
            {"user": world["newcomer"].pk, "role": "coordinator"},
            format="json",
        ),
        "remove team member": lambda: client.delete(
            f"/api/v1/jobs/{job.pk}/team/{world['users']['team_recruiter'].pk}/"
        ),
        "read template": lambda: client.get(f"/api/v1/loop-templates/{template.pk}/"),
        "edit template": lambda: client.patch(
            f"/api/v1/loop-templates/{template.pk}/", {"name": "Phone screen"}, format="json"
        ),
        "create template for job": lambda: client.post(
            "/api/v1/loop-templates/",
            {
                "name": "Second",
                "job": job.pk,
                "level_quotas": {"core": 1},
                "session_count": 1,
                "session_minutes": 30,
            },
            format="json",
        ),
        "generate loop": lambda: client.post(
            "/api/v1/loops/",
            {
                "candidate": CandidateFactory().pk,
                "template": template.pk,
                "interviewers": [world["users"]["interviewer_elsewhere"].pk],
                "seed": 5,
            },
            format="json",
        ),
        "read loop": lambda: client.get(loop_url),
        "swap question": lambda: client.post(
            f"{loop_url}swap/",
            {"session": session["id"], "question_out": session["questions"][0]["question"]},
            format="json",
        ),
        "schedule loop": lambda: client.post(f"{loop_url}schedule/"),
        "cancel loop": lambda: client.post(f"{loop_url}cancel/"),
        "decide loop (draft)": lambda: client.post(
            f"{loop_url}decision/", {"decision": "hire", "note": "Strong."}, format="json"
        ),
    }
    return requests[operation]().status_code


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(TABLE))
def test_permission_table(operation, actor, world, client_for):
    expected = TABLE[operation][ACTORS.index(actor)]
    client = client_for(world["users"][actor])
    assert _perform(operation, client, world) == expected


@pytest.mark.parametrize(
    "actor, sees",
    [
        ("team_hiring_manager", True),
        ("team_coordinator", True),
        ("team_recruiter", True),
        ("other_hiring_manager", False),
        ("global_recruiter", True),
        ("loop_interviewer", False),
        ("interviewer_elsewhere", False),
        ("admin", True),
    ],
)
def test_job_and_template_lists_show_only_visible_jobs(actor, sees, world, client_for):
    client = client_for(world["users"][actor])
    jobs = [row["id"] for row in client.get("/api/v1/jobs/?page_size=200").json()["results"]]
    templates = [row["id"] for row in client.get("/api/v1/loop-templates/").json()["results"]]
    assert (world["job"].pk in jobs) is sees
    assert (world["template"].pk in templates) is sees


@pytest.mark.parametrize(
    "actor, sees",
    [
        ("team_hiring_manager", True),
        ("team_coordinator", True),
        ("team_recruiter", True),
        ("other_hiring_manager", False),
        ("global_recruiter", True),
        ("loop_interviewer", True),
        ("interviewer_elsewhere", False),
        ("admin", True),
    ],
)
def test_loop_list_shows_only_visible_loops(actor, sees, world, client_for):
    ids = [
        row["id"]
        for row in client_for(world["users"][actor]).get("/api/v1/loops/").json()["results"]
    ]
    assert (world["loop"]["id"] in ids) is sees


def test_the_decision_by_the_team_hiring_manager_goes_through(world, client_for):
    Loop.objects.filter(pk=world["loop"]["id"]).update(status="completed")
    client = client_for(world["users"]["team_hiring_manager"])
    response = client.post(
        f"/api/v1/loops/{world['loop']['id']}/decision/",
        {"decision": "hire", "note": "Strong."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["decision"] == "hire"


@pytest.mark.parametrize("actor", ACTORS)
def test_predicates_and_list_filters_agree(actor, world):
    """The two forms of each visibility rule (interviews.permissions) say the same thing."""
    from interviews import permissions
    from interviews.models import Job, LoopTemplate

    user = world["users"][actor]
    for job in Job.objects.all():
        in_list = permissions.visible_jobs(user, Job.objects.all()).filter(pk=job.pk).exists()
        assert permissions.allowed(user, permissions.VIEW, job) is in_list
    for template in LoopTemplate.objects.all():
        templates = permissions.visible_templates(user, LoopTemplate.objects.all())
        in_list = templates.filter(pk=template.pk).exists()
        assert permissions.allowed(user, permissions.VIEW, template) is in_list
    for loop in Loop.objects.all():
        in_list = Loop.objects.filter(permissions.visible_loops_q(user), pk=loop.pk).exists()
        assert permissions.allowed(user, permissions.VIEW, loop) is in_list
