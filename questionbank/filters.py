import django_filters
from django.db.models import Q, QuerySet

from core.filters import StrictBooleanFilter, StrictFilterSet
from questionbank.models import Question


class QuestionFilter(StrictFilterSet):
    empty_means_all = ("search",)

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
