import django_filters
from django.contrib.auth.models import User

from core.filters import IdFilter, StrictFilterSet
from interviews.models import InterviewSession, Loop, LoopTemplate, SessionInterviewer


class LoopFilter(StrictFilterSet):
    candidate = IdFilter(field_name="candidate_id", help_text="Candidate id.")
    status = django_filters.ChoiceFilter(choices=Loop.Status.choices)
    interviewer = IdFilter(
        method="filter_interviewer", help_text="User id: loops in which this user interviews."
    )

    class Meta:
        model = Loop
        fields = ["candidate", "status", "interviewer"]

    def filter_interviewer(self, queryset, name, value):
        return queryset.filter(
            id__in=SessionInterviewer.objects.filter(interviewer_id=value).values("loop_id")
        )


class LoopTemplateFilter(StrictFilterSet):
    job = IdFilter(field_name="job_id", help_text="Job id.")

    class Meta:
        model = LoopTemplate
        fields = ["job"]


class MySessionFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        field_name="loop__status", choices=Loop.Status.choices, label="The loop's status"
    )

    class Meta:
        model = InterviewSession
        fields = ["status"]


class InterviewerFilter(StrictFilterSet):
    empty_means_all = ("search",)

    search = django_filters.CharFilter(
        field_name="username",
        lookup_expr="icontains",
        help_text="Part of the username (case-insensitive).",
    )

    class Meta:
        model = User
        fields = ["search"]
