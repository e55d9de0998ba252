"""Writes for jobs, candidates, loop templates and loops (HackSoft services).

One module per thing written; this package re-exports every service, so callers import
`from interviews.services import loop_generate` whatever module it lives in.
"""

from interviews.services.candidates import candidate_create, candidate_update
from interviews.services.edits import planning_object_delete
from interviews.services.interviewers import interviewer_set_weekly_limit
from interviews.services.jobs import job_create, job_update
from interviews.services.loops import loop_cancel, loop_decide, loop_generate, loop_schedule
from interviews.services.pools import (
    interviewer_pool_create,
    interviewer_pool_update,
    pool_member_add,
    pool_member_promote,
    pool_member_remove,
)
from interviews.services.swap import loop_swap_question
from interviews.services.teams import job_team_member_add, job_team_member_remove
from interviews.services.templates import loop_template_create, loop_template_update

__all__ = [
    "candidate_create",
    "candidate_update",
    "interviewer_pool_create",
    "interviewer_pool_update",
    "interviewer_set_weekly_limit",
    "job_create",
    "job_team_member_add",
    "job_team_member_remove",
    "job_update",
    "loop_cancel",
    "loop_decide",
    "loop_generate",
    "loop_schedule",
    "loop_swap_question",
    "loop_template_create",
    "loop_template_update",
    "planning_object_delete",
    "pool_member_add",
    "pool_member_promote",
    "pool_member_remove",
]
