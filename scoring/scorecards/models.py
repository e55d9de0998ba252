"""Scorecards, their criterion ratings and their history (the scorecards room of scoring)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Recommendation(models.TextChoices):
    """An interviewer's overall call, weakest first. This is the one place the scale is written:
    `score` (strong_no 1, no 2, yes 3, strong_yes 4) is what the statistics read (the report's SQL,
    scoring/reports/selectors.py); scoring/calibration/inputs.py names the same codes without
    importing Django, and tests/scoring/test_recommendation_scale.py holds the two together."""

    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"

    @property
    def score(self) -> int:
        return RECOMMENDATION_SCORE[self]


# Recommendation scale for statistics (API.md, Scoring).
RECOMMENDATION_SCORE: dict[Recommendation, int] = {
    Recommendation.STRONG_NO: 1,
    Recommendation.NO: 2,
    Recommendation.YES: 3,
    Recommendation.STRONG_YES: 4,
}
# "strong_no, no, yes or strong_yes": for messages that list the choices.
RECOMMENDATION_OPTIONS = f"{', '.join(Recommendation.values[:-1])} or {Recommendation.values[-1]}"


class Scorecard(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"

    session = models.ForeignKey(
        "interviews.InterviewSession", on_delete=models.PROTECT, related_name="scorecards"
    )
    # Repeats the session's loop so visibility and report queries need no extra join.
    loop = models.ForeignKey("interviews.Loop", on_delete=models.PROTECT, related_name="scorecards")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    overall_recommendation = models.CharField(
        max_length=10, choices=Recommendation.choices, blank=True, default=""
    )
    summary = models.TextField(blank=True, default="")
    revision = models.PositiveIntegerField(default=1)
    # The first submission is the independent judgment the statistics read (API.md, Calibration,
    # second edition). An amendment that changes the recommendation keeps the first one here;
    # empty while `overall_recommendation` is still the one first submitted, so a row written by
    # any path (a first submission, a bulk load) needs nothing extra and reads correctly.
    first_recommendation = models.CharField(
        max_length=10, choices=Recommendation.choices, blank=True, default="", db_default=""
    )
    # Whether the interviewer could read a peer's submitted scorecard in the loop when first
    # submitting this one. Under the blind rule (scorecard_visibility_filter) nobody who sits in a
    # loop reads a peer there before their own card is submitted, and one interviewer holds one
    # seat per loop, so a first submission writes False; rows from before the rule were backfilled.
    author_could_read_peers = models.BooleanField(default=False, db_default=False)
    # Whether the interviewer amended it after they could read a peer's submitted scorecard in
    # the loop (any of its ScorecardRevision rows by them with `author_could_read_peers`).
    amended_after_peer_view = models.BooleanField(default=False, db_default=False)
    # Written by a trainee of the session (interviews.SessionTrainee): never counts toward the
    # loop's completion, its decision, a candidate's scores or the report's main statistics.
    shadow = models.BooleanField(default=False, db_default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "interviewer"], name="scorecard_unique_interviewer_session"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(submitted_at__isnull=False) & ~Q(overall_recommendation="")),
                name="scorecard_submitted_complete",
            ),
            # The scale is a database rule too: a service (or a script) that skips the
            # serializer cannot store a recommendation the statistics would not read.
            models.CheckConstraint(
                condition=Q(overall_recommendation__in=["", *Recommendation.values]),
                name="scorecard_recommendation_on_the_scale",
            ),
            models.CheckConstraint(
                condition=Q(first_recommendation__in=["", *Recommendation.values]),
                name="scorecard_first_recommendation_on_the_scale",
            ),
        ]
        indexes = [
            models.Index(fields=["loop", "status"]),
            models.Index(fields=["interviewer", "status"]),
        ]


class CriterionRating(models.Model):
    """A 0-4 rating: 0 not addressed, 1 weak, 2 partial, 3 solid, 4 exceptional.

    The row also keeps what the first submission said, for the statistics (one bulk read of
    `COALESCE(first_rating, rating)` over the rows `in_first_submission`):
    - `first_rating`: the rating as first submitted, set by the first amendment that touches the
      row and never changed afterwards; NULL while `rating` is still the first submitted one;
    - `in_first_submission`: False for a criterion first rated by an amendment;
    - `withdrawn`: an amendment dropped the rating (a criterion retired since); the row stays for
      the statistics and is hidden from every other read.
    """

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(
        "questionbank.RubricCriterion", on_delete=models.PROTECT, related_name="ratings"
    )
    rating = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, default="")
    first_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    in_first_submission = models.BooleanField(default=True, db_default=True)
    withdrawn = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["scorecard_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="rating_unique_criterion"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=4), name="rating_between_0_and_4"
            ),
            models.CheckConstraint(
                condition=Q(first_rating__isnull=True)
                | (Q(first_rating__gte=0) & Q(first_rating__lte=4)),
                name="first_rating_between_0_and_4",
            ),
        ]


class ScorecardRevision(models.Model):
    """What a submitted scorecard said before an amendment, who amended it, when and why, and
    whether the amender could then read a peer's submitted scorecard in the loop."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    amended_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    previous = models.JSONField()
    # Could `amended_by` read another interviewer's submitted scorecard of the loop when amending?
    author_could_read_peers = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["scorecard_id", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "revision"], name="revision_unique_number"
            ),
        ]
