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
        ]
        indexes = [
            models.Index(fields=["loop", "status"]),
            models.Index(fields=["interviewer", "status"]),
        ]


class CriterionRating(models.Model):
    """A 0-4 rating: 0 not addressed, 1 weak, 2 partial, 3 solid, 4 exceptional."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(
        "questionbank.RubricCriterion", on_delete=models.PROTECT, related_name="ratings"
    )
    rating = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["scorecard_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="rating_unique_criterion"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=4), name="rating_between_0_and_4"
            ),
        ]


class ScorecardRevision(models.Model):
    """What a submitted scorecard said before an amendment, who amended it, when and why."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    amended_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    previous = models.JSONField()

    class Meta:
        ordering = ["scorecard_id", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "revision"], name="revision_unique_number"
            ),
        ]
