from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Level(models.Model):
    """A section of the bank (beginner ... behavioral); `order` runs from easier to harder."""

    slug = models.SlugField(primary_key=True, max_length=50)
    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    slug = models.SlugField(primary_key=True, max_length=50)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="questions")
    prompt = models.TextField()
    hint = models.TextField()
    competencies = models.ManyToManyField(Competency, related_name="questions", blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(default=10)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["level__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_minutes__gte=1) & Q(estimated_minutes__lte=240),
                name="question_estimated_minutes_1_240",
            ),
        ]
        indexes = [models.Index(fields=["level", "is_active"])]

    def __str__(self) -> str:
        return self.slug


class RubricCriterion(models.Model):
    """One gradable point of a question's hint.

    A criterion that has been scored is never edited in place: changing it retires this row
    (is_active false, kept with its scores) and adds a new one, so old scores keep their meaning.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    weight = models.FloatField(default=1.0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["question_id", "order", "id"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="criterion_weight_positive"
            ),
            models.UniqueConstraint(
                fields=["question", "order"],
                condition=Q(is_active=True),
                name="criterion_unique_active_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}.{self.order}: {self.text[:40]}"
