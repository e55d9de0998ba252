"""Who may act on which job: the rules of API.md's "Hiring teams", defined once.

Every view, selector and service asks here; none re-derives access by hand (STYLE.md).

- A job, its templates and its loops are visible to the job's team (any team role), to users
  with the global `recruiter` role (they calibrate across the organisation) and to admins; a
  loop is also visible to its own interviewers. Anyone else gets 404.
- Planning writes (edit the job or its templates; generate, swap, schedule, cancel its loops)
  belong to the team's `hiring_manager`s and `coordinator`s, and admins.
- The decision, and the team itself, belong to the team's `hiring_manager`s and admins.
- Opening a job needs the global `hiring_manager` role (or admin).

Each rule has two forms kept side by side: a predicate of the `rules` library, for one object
(`allowed(user, PLAN, loop)`), and a queryset filter, for lists (`visible_job_ids(user)`).
tests/interviews/test_job_team_permissions.py holds the two against each other for every kind of
user.
"""

from __future__ import annotations

import rules
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from rest_framework import status
from rest_framework.permissions import BasePermission

from core.errors import ApplicationError, ErrorCode
from core.roles import Role, has_role, is_admin
from interviews.models import (
    Job,
    JobTeamMember,
    Loop,
    LoopTemplate,
    SessionInterviewer,
    SessionTrainee,
)

TeamRole = JobTeamMember.Role

# Rule names.
VIEW = "job.view"
PLAN = "job.plan"
DECIDE = "job.decide"
MANAGE_TEAM = "job.manage_team"
OPEN = "job.open"
PLAN_SOME = "job.plan_some"

PLANNER_ROLES = frozenset({TeamRole.HIRING_MANAGER, TeamRole.COORDINATOR})
OWNER_ROLES = frozenset({TeamRole.HIRING_MANAGER})

REFUSALS = {
    VIEW: "You are not on this job's team.",
    PLAN: "Only the job's hiring managers and coordinators (and admins) may change it, its "
    "templates and its loops.",
    DECIDE: "Only the job's hiring managers (and admins) may decide its loops.",
    MANAGE_TEAM: "Only the job's hiring managers (and admins) may change its team.",
}


CREATE_REFUSALS = {
    OPEN: "Only hiring managers (and admins) may open a job.",
    PLAN_SOME: "Only a job's hiring managers and coordinators (and admins) may do this; you "
    "plan no job.",
}


# --- what the rules look at --------------------------------------------------------------------


def team_roles(user: AbstractBaseUser) -> dict[int, str]:
    """{job id: team role} of the user, read once per request and kept on the user object."""
    if not user or not user.is_authenticated:
        return {}
    cached = getattr(user, "_job_team_roles", None)
    if cached is None:
        cached = dict(JobTeamMember.objects.filter(user=user).values_list("job_id", "role"))
        user._job_team_roles = cached
    return cached


def forget_team_roles(user: AbstractBaseUser) -> None:
    """Drop the cached team roles (after the user's own membership changed)."""
    if hasattr(user, "_job_team_roles"):
        del user._job_team_roles


def job_id_of(target: Job | LoopTemplate | Loop) -> int:
    """The job a job, template or loop belongs to (a loop: through its template)."""
    if isinstance(target, Job):
        return target.pk
    if isinstance(target, LoopTemplate):
        return target.job_id
    return target.template.job_id


def interviews_in(user: AbstractBaseUser, loop: Loop) -> bool:
    """True when the user sits in the loop, as an interviewer or a trainee (uses prefetched
    seats if any)."""
    sessions = getattr(loop, "_prefetched_objects_cache", {}).get("sessions")
    if sessions is not None and all(
        {"session_interviewers", "session_trainees"}
        <= set(getattr(s, "_prefetched_objects_cache", {}))
        for s in sessions
    ):
        return any(
            seat.interviewer_id == user.pk
            for session in sessions
            for seat in session.session_interviewers.all()
        ) or any(
            seat.trainee_id == user.pk
            for session in sessions
            for seat in session.session_trainees.all()
        )
    return (
        SessionInterviewer.objects.filter(loop=loop, interviewer_id=user.pk).exists()
        or SessionTrainee.objects.filter(loop=loop, trainee_id=user.pk).exists()
    )


def sat_in_loop_ids(user: AbstractBaseUser) -> Q:
    """Loops the user sits in, as an interviewer or a trainee (a condition on loop ids)."""
    return Q(
        id__in=SessionInterviewer.objects.filter(interviewer_id=user.pk).values("loop_id")
    ) | Q(id__in=SessionTrainee.objects.filter(trainee_id=user.pk).values("loop_id"))


# --- predicates --------------------------------------------------------------------------------


@rules.predicate
def is_admin_user(user) -> bool:
    return is_admin(user)


@rules.predicate
def is_global_recruiter(user) -> bool:
    return has_role(user, Role.RECRUITER)


@rules.predicate
def is_global_hiring_manager(user) -> bool:
    return has_role(user, Role.HIRING_MANAGER)


@rules.predicate
def on_team(user, target) -> bool:
    return job_id_of(target) in team_roles(user)


@rules.predicate
def plans_job(user, target) -> bool:
    return team_roles(user).get(job_id_of(target)) in PLANNER_ROLES


@rules.predicate
def owns_job(user, target) -> bool:
    return team_roles(user).get(job_id_of(target)) in OWNER_ROLES


@rules.predicate
def plans_some_job(user) -> bool:
    return any(role in PLANNER_ROLES for role in team_roles(user).values())


@rules.predicate
def interviews_in_loop(user, target) -> bool:
    return isinstance(target, Loop) and interviews_in(user, target)


job_rules = rules.RuleSet()
job_rules.add_rule(VIEW, is_admin_user | is_global_recruiter | on_team | interviews_in_loop)
job_rules.add_rule(PLAN, is_admin_user | plans_job)
job_rules.add_rule(DECIDE, is_admin_user | owns_job)
job_rules.add_rule(MANAGE_TEAM, is_admin_user | owns_job)
job_rules.add_rule(OPEN, is_admin_user | is_global_hiring_manager)
# Creating a template or a loop: the job (or template) in the body is checked with PLAN; this
# only turns away at once those who plan no job at all.
job_rules.add_rule(PLAN_SOME, is_admin_user | plans_some_job)


def allowed(user: AbstractBaseUser, rule: str, target=None) -> bool:
    return job_rules.test_rule(rule, user, target)


def require(user: AbstractBaseUser, rule: str, target: Job | LoopTemplate | Loop) -> None:
    """Raise 404 when the user may not see the target at all, 403 when they may see it but not
    do this. (Callers that found the target through a `visible_*` queryset skip the 404.)"""
    if not allowed(user, VIEW, target):
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            f"No {target._meta.verbose_name} {target.pk} that you can see.",
            status_code=status.HTTP_404_NOT_FOUND,
        )
    if not allowed(user, rule, target):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED, REFUSALS[rule], status_code=status.HTTP_403_FORBIDDEN
        )


# --- the same rules as queryset filters ---------------------------------------------------------


def sees_every_job(user: AbstractBaseUser) -> bool:
    """Admins and global recruiters see every job (the VIEW rule without a team)."""
    return is_admin(user) or has_role(user, Role.RECRUITER)


def visible_jobs(user: AbstractBaseUser, jobs: QuerySet[Job]) -> QuerySet[Job]:
    if sees_every_job(user):
        return jobs
    return jobs.filter(id__in=list(team_roles(user)))


def visible_templates(
    user: AbstractBaseUser, templates: QuerySet[LoopTemplate]
) -> QuerySet[LoopTemplate]:
    if sees_every_job(user):
        return templates
    return templates.filter(job_id__in=list(team_roles(user)))


def visible_loops_q(user: AbstractBaseUser) -> Q:
    """Loops of the user's teams' jobs, and loops the user sits in (interviewer or trainee)."""
    if sees_every_job(user):
        return Q()
    return Q(template__job_id__in=list(team_roles(user))) | sat_in_loop_ids(user)


def planned_job_ids(user: AbstractBaseUser) -> list[int] | None:
    """Jobs whose loops the user may plan; None means every job (admins)."""
    if is_admin(user):
        return None
    return sorted(job for job, role in team_roles(user).items() if role in PLANNER_ROLES)


def calibrated_job_ids(user: AbstractBaseUser) -> list[int] | None:
    """Jobs a user's calibration reports may cover; None means the whole organisation.

    Admins and global recruiters calibrate across the organisation; a hiring manager only over
    the jobs whose team they are on."""
    if sees_every_job(user):
        return None
    return sorted(team_roles(user))


# --- for views ---------------------------------------------------------------------------------


class PlanningPermission(BasePermission):
    """The planning views' gate, reading the rules above.

    - Any request needs a role or a place on some job's team (anyone else has nothing here).
    - A POST to a list view that names `create_rule` needs that rule (opening a job).
    - On an object (job, template, loop), the view names the rule of each HTTP method in
      `object_rules` ({"PATCH": PLAN, ...}); reads need VIEW. Views find the object through a
      visible-only selector first, so an object the user cannot see is a 404 before this runs,
      and a refusal here is a 403.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not (has_role(user, *Role) or team_roles(user)):
            return False
        create_rule = getattr(view, "create_rule", None)
        if request.method == "POST" and create_rule and not allowed(user, create_rule):
            self.message = CREATE_REFUSALS[create_rule]
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        rule = getattr(view, "object_rules", {}).get(request.method, VIEW)
        if allowed(request.user, rule, obj):
            return True
        self.message = REFUSALS[rule]
        return False
