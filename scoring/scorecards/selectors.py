"""Reads of scorecards under the blind-feedback rules (API.md, Who may do what).

- Everyone sees their own scorecards, drafts included; nobody sees anyone else's draft.
- Whoever sits as an interviewer (or a trainee) in a loop sees a peer's submitted scorecard there
  only once they have submitted their own scorecard in that loop, whatever their roles (API.md,
  additions of 2026-11-30: a hiring manager, recruiter or admin who interviews is blind in that
  loop too).
- In the loops they do not sit in: recruiters and admins see every submitted scorecard; a job's
  team (interviews.permissions) sees the submitted scorecards of that job's loops; anyone else
  sees none.
What a user may not see does not exist for them: the views answer 404.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Prefetch, Q, QuerySet

from interviews import permissions
from interviews.models import SessionInterviewer, SessionTrainee
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision


def _ratings_with_question() -> QuerySet[CriterionRating]:
    """The current ratings (not those an amendment withdrew), each with its question id."""
    return (
        CriterionRating.objects.filter(withdrawn=False)
        .annotate(question_id_for_output=F("criterion__question_id"))
        .order_by("id")
    )


def scorecard_visibility_filter(*, user: AbstractBaseUser) -> Q:
    """The condition on Scorecard rows that `user` may read."""
    own = Q(interviewer_id=user.pk)
    submitted = Q(status=Scorecard.Status.SUBMITTED)
    loops_submitted_in = Scorecard.objects.filter(
        interviewer_id=user.pk, status=Scorecard.Status.SUBMITTED
    ).values("loop_id")
    # The blind rule: in a loop they sit in, peers only once their own judgment is in.
    visible = own | (submitted & Q(loop_id__in=loops_submitted_in))
    # Trainees sit in the loop too: blind until their own (shadow) scorecard is submitted.
    not_sat_in = ~Q(
        loop_id__in=SessionInterviewer.objects.filter(interviewer_id=user.pk).values("loop_id")
    ) & ~Q(loop_id__in=SessionTrainee.objects.filter(trainee_id=user.pk).values("loop_id"))
    if permissions.sees_every_job(user):
        return visible | (submitted & not_sat_in)
    team_jobs = list(permissions.team_roles(user))
    if team_jobs:
        visible |= submitted & not_sat_in & Q(loop__template__job_id__in=team_jobs)
    return visible


def scorecard_list(*, user: AbstractBaseUser) -> QuerySet[Scorecard]:
    """Scorecards `user` may read, each with `rating_rows` (ratings with their question id)."""
    return (
        Scorecard.objects.filter(scorecard_visibility_filter(user=user))
        .prefetch_related(Prefetch("ratings", _ratings_with_question(), to_attr="rating_rows"))
        .order_by("id")
    )


def scorecard_visible_get(*, user: AbstractBaseUser, scorecard_id: int) -> Scorecard | None:
    """One scorecard with its ratings if `user` may read it, else None."""
    return scorecard_list(user=user).filter(pk=scorecard_id).first()


def scorecard_ratings_snapshot(*, scorecard: Scorecard) -> list[dict[str, int | str]]:
    """The scorecard's ratings as plain data, for a revision's `previous`."""
    return [
        {
            "criterion": row.criterion_id,
            "question": row.question_id_for_output,
            "rating": row.rating,
            "note": row.note,
        }
        for row in _ratings_with_question().filter(scorecard=scorecard)
    ]


def scorecard_revision_list(*, scorecard: Scorecard) -> QuerySet[ScorecardRevision]:
    """The amendments of a scorecard, oldest first."""
    return ScorecardRevision.objects.filter(scorecard=scorecard).order_by("revision")
