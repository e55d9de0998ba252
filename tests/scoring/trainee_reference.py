"""The trainees' comparison in plain Python and the ORM, one rating at a time: the independent
references the report's numpy statistic (`scoring.calibration.trainees`) and bulk loader
(`scoring.reports.selectors.calibration_report_inputs_load`) are tested against (not collected:
no test_ prefix). Both were the report's implementation until 2026-11-30; the definition is in
the statistic's module docstring.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Coalesce

from scoring.calibration.trainees import ADJACENT, ADJACENT_TOLERANCE
from scoring.reports.selectors import CalibrationScope
from scoring.scorecards.models import CriterionRating, Scorecard


class RatingRow(NamedTuple):
    """One criterion rating of a submitted scorecard (its first submission); a tuple, as
    `TraineeInputs.from_rows` takes them."""

    scorecard: int
    interviewer: int
    session: int
    question: int
    rating: float
    weight: float
    shadow: bool


def question_scores(
    rows: Iterable[RatingRow],
) -> dict[tuple[int, int], tuple[int, int, bool, float]]:
    """{(scorecard, question): (interviewer, session, shadow, weighted mean rating)}."""
    sums: dict[tuple[int, int], list] = {}
    for row in rows:
        entry = sums.setdefault(
            (row.scorecard, row.question), [row.interviewer, row.session, row.shadow, 0.0, 0.0]
        )
        entry[3] += row.weight * row.rating
        entry[4] += row.weight
    return {
        key: (interviewer, session, shadow, total / weights)
        for key, (interviewer, session, shadow, total, weights) in sums.items()
        if weights > 0
    }


def trainee_calibration_reference(
    rows: Iterable[RatingRow], usernames: Mapping[int, str]
) -> list[dict]:
    """Severity and agreement of each trainee against the qualified panel, sorted by username."""
    scores = question_scores(rows)
    panel: defaultdict[tuple[int, int], list[float]] = defaultdict(list)
    for (_, question), (_, session, shadow, score) in scores.items():
        if not shadow:
            panel[(session, question)].append(score)
    differences: defaultdict[int, list[float]] = defaultdict(list)
    sessions: defaultdict[int, set[int]] = defaultdict(set)
    trainees: set[int] = set()
    for (_, question), (interviewer, session, shadow, score) in scores.items():
        if not shadow:
            continue
        trainees.add(interviewer)
        qualified = panel.get((session, question))
        if qualified:
            differences[interviewer].append(score - sum(qualified) / len(qualified))
            sessions[interviewer].add(session)
    result = []
    for trainee in trainees:
        diffs = differences[trainee]
        adjacent = sum(abs(d) <= ADJACENT + ADJACENT_TOLERANCE for d in diffs)
        result.append(
            {
                "interviewer": trainee,
                "username": usernames.get(trainee, str(trainee)),
                "sessions": len(sessions[trainee]),
                "comparisons": len(diffs),
                "severity": sum(diffs) / len(diffs) if diffs else None,
                "agreement": adjacent / len(diffs) if diffs else None,
            }
        )
    return sorted(result, key=lambda r: (r["username"], r["interviewer"]))


def trainee_rows_orm(scope: CalibrationScope) -> tuple[list[RatingRow], dict[int, str]]:
    """The first-submission ratings of every submitted scorecard (shadow or qualified) in the
    sessions that have a submitted shadow scorecard in scope (job and submission dates), and the
    usernames of their trainees, read through the ORM: the loader's reference (it was the report's
    loader until 2026-11-30)."""
    shadow_cards = Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED, shadow=True)
    if scope.job is not None:
        shadow_cards = shadow_cards.filter(loop__template__job_id=scope.job)
    if scope.jobs is not None:
        shadow_cards = shadow_cards.filter(loop__template__job_id__in=list(scope.jobs))
    if scope.since is not None:
        shadow_cards = shadow_cards.filter(
            submitted_at__gte=dt.datetime.combine(scope.since, dt.time.min, tzinfo=dt.UTC)
        )
    if scope.until is not None:
        shadow_cards = shadow_cards.filter(
            submitted_at__lt=dt.datetime.combine(
                scope.until + dt.timedelta(days=1), dt.time.min, dt.UTC
            )
        )
    rows = [
        RatingRow(*values)
        for values in CriterionRating.objects.filter(
            Q(scorecard__shadow=False) | Q(scorecard_id__in=shadow_cards.values("id")),
            scorecard__session_id__in=shadow_cards.values("session_id"),
            scorecard__status=Scorecard.Status.SUBMITTED,
            in_first_submission=True,
        )
        .annotate(first=Coalesce("first_rating", "rating"))
        .values_list(
            "scorecard_id",
            "scorecard__interviewer_id",
            "scorecard__session_id",
            "criterion__question_id",
            "first",
            "criterion__weight",
            "scorecard__shadow",
        )
    ]
    trainees = {row.interviewer for row in rows if row.shadow}
    usernames = dict(get_user_model().objects.filter(id__in=trainees).values_list("id", "username"))
    return rows, usernames
