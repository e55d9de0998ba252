"""Error codes of the interviews app (one enum per app, STYLE.md)."""

import enum


class InterviewsErrorCode(enum.StrEnum):
    LOOP_INFEASIBLE = "loop_infeasible"
    INVALID_INTERVIEWERS = "invalid_interviewers"
    INVALID_TEMPLATE = "invalid_template"
    INVALID_HIRING_MANAGER = "invalid_hiring_manager"
    INVALID_SWAP = "invalid_swap"
    INVALID_SCHEDULE = "invalid_schedule"
    LOOP_STATE_CONFLICT = "loop_state_conflict"
    SCORECARDS_MISSING = "scorecards_missing"
    ALREADY_DECIDED = "already_decided"
    IN_USE = "in_use"
    INVALID_TEAM_MEMBER = "invalid_team_member"
    TEAM_HIRING_MANAGER = "team_hiring_manager"
    CANDIDATE_ERASED = "candidate_erased"
    WEEKLY_LIMIT_REACHED = "weekly_limit_reached"
    INVALID_POOL = "invalid_pool"
    POOL_MEMBER_EXISTS = "pool_member_exists"
    ALREADY_QUALIFIED = "already_qualified"
