from django.db import models
from rest_framework import serializers
from rest_framework.fields import empty

from core.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    StrictSlugField,
)
from questionbank.models import Competency, Level


class _UniqueSlugAndNameMixin:
    # Refuses a slug or a name (case-insensitive) that `model` already has, saying which.
    # A comment, not a docstring: drf-spectacular would show a docstring on the serializers.

    model: type[models.Model]
    noun: str

    def validate_slug(self, value: str) -> str:
        if self.model.objects.filter(slug=value).exists():
            raise serializers.ValidationError(f"A {self.noun} with slug '{value}' already exists.")
        return value

    def validate_name(self, value: str) -> str:
        if self.model.objects.filter(name__iexact=value).exists():
            raise serializers.ValidationError(f"A {self.noun} named '{value}' already exists.")
        return value


class LevelOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    order = serializers.IntegerField()
    question_count = serializers.IntegerField(read_only=True, default=0)


class LevelInputSerializer(_UniqueSlugAndNameMixin, serializers.Serializer):
    model = Level
    noun = "level"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    order = StrictIntegerField(min_value=0, max_value=1000)


class CompetencyOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    question_count = serializers.IntegerField(read_only=True, default=0)


class CompetencyInputSerializer(_UniqueSlugAndNameMixin, serializers.Serializer):
    model = Competency
    noun = "competency"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, default="")


class RubricCriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    weight = serializers.FloatField()


class _TextRequiredEvenInPartialUpdates(StrictCharField):
    # DRF skips `required` for every field under a partial update, nested items included; a
    # rubric item without its text is incomplete whatever the request, so refuse it here
    # (`rubric.N.text`) instead of letting the rubric validator meet a missing key.
    def validate_empty_values(self, data):
        if data is empty and self.required:
            self.fail("required")
        return super().validate_empty_values(data)


class RubricCriterionInputSerializer(serializers.Serializer):
    text = _TextRequiredEvenInPartialUpdates(max_length=1000)
    weight = StrictFloatField(required=False, default=1.0, min_value=0.1, max_value=100)


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    level = serializers.CharField(source="level_id")
    prompt = serializers.CharField()
    hint = serializers.CharField()
    competencies = serializers.SerializerMethodField()
    estimated_minutes = serializers.IntegerField()
    is_active = serializers.BooleanField()
    rubric = RubricCriterionOutputSerializer(many=True, source="active_criteria")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_competencies(self, question) -> list[str]:
        return [c.slug for c in question.competencies.all()]


class _QuestionFieldsMixin(serializers.Serializer):
    def validate_level(self, value: str) -> str:
        if not Level.objects.filter(slug=value).exists():
            known = ", ".join(Level.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(f"Unknown level '{value}'. Known levels: {known}.")
        return value

    def validate_competencies(self, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(value))
        known = set(Competency.objects.filter(slug__in=unique).values_list("slug", flat=True))
        missing = [slug for slug in unique if slug not in known]
        if missing:
            raise serializers.ValidationError(
                f"Unknown competencies: {', '.join(missing)}. See GET /api/v1/competencies/."
            )
        return unique

    def validate_rubric(self, value: list[dict]) -> list[dict]:
        if not value:
            raise serializers.ValidationError("A question needs at least one rubric criterion.")
        texts = [item["text"].strip().lower() for item in value]
        if len(set(texts)) != len(texts):
            raise serializers.ValidationError("Two rubric criteria have the same text.")
        # A partial update skips nested defaults, so fill the weight here.
        return [{"text": item["text"], "weight": item.get("weight", 1.0)} for item in value]


class QuestionCreateInputSerializer(_QuestionFieldsMixin):
    slug = StrictSlugField(max_length=100, required=False)
    level = StrictCharField(max_length=50)
    prompt = StrictCharField(max_length=4000)
    hint = StrictCharField(max_length=8000)
    competencies = serializers.ListField(
        child=StrictSlugField(max_length=50), required=False, default=list, max_length=20
    )
    estimated_minutes = StrictIntegerField(min_value=1, max_value=240, default=10)
    is_active = StrictBooleanField(default=True)
    rubric = RubricCriterionInputSerializer(many=True, max_length=50)


class QuestionUpdateInputSerializer(_QuestionFieldsMixin):
    slug = StrictSlugField(max_length=100, required=False)
    level = StrictCharField(max_length=50, required=False)
    prompt = StrictCharField(max_length=4000, required=False)
    hint = StrictCharField(max_length=8000, required=False)
    competencies = serializers.ListField(
        child=StrictSlugField(max_length=50), required=False, max_length=20
    )
    estimated_minutes = StrictIntegerField(min_value=1, max_value=240, required=False)
    is_active = StrictBooleanField(required=False)
    rubric = RubricCriterionInputSerializer(many=True, required=False, max_length=50)
