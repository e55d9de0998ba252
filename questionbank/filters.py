import django_filters
from django import forms
from django.db.models import Q, QuerySet

from questionbank.models import Question


class StrictBooleanFormField(forms.Field):
    """'true' or 'false'; anything else is a 400 rather than silently no filter."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered not in {"true", "false"}:
            raise forms.ValidationError("Must be true or false.")
        return lowered == "true"


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class QuestionFilter(django_filters.FilterSet):
    level = django_filters.CharFilter(field_name="level_id", help_text="Level slug.")
    competency = django_filters.CharFilter(
        field_name="competencies__slug", help_text="Competency slug.", distinct=True
    )
    is_active = StrictBooleanFilter(help_text="true or false.")
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Words that must all appear in the prompt or the hint (case-insensitive).",
    )

    class Meta:
        model = Question
        fields = ["level", "competency", "is_active", "search"]

    def filter_search(self, queryset: QuerySet[Question], name: str, value: str):
        for word in value.split()[:10]:
            queryset = queryset.filter(Q(prompt__icontains=word) | Q(hint__icontains=word))
        return queryset
