import django_filters

from interviews.models import InterviewSession, Loop, LoopTemplate, SessionInterviewer


class LoopFilter(django_filters.FilterSet):
    candidate = django_filters.NumberFilter(field_name="candidate_id")
    status = django_filters.ChoiceFilter(choices=Loop.Status.choices)
    interviewer = django_filters.NumberFilter(
        method="filter_interviewer", label="Loops in which this user interviews"
    )

    class Meta:
        model = Loop
        fields = ["candidate", "status", "interviewer"]

    def filter_interviewer(self, queryset, name, value):
        return queryset.filter(
            id__in=SessionInterviewer.objects.filter(interviewer_id=value).values("loop_id")
        )


class LoopTemplateFilter(django_filters.FilterSet):
    job = django_filters.NumberFilter(field_name="job_id")

    class Meta:
        model = LoopTemplate
        fields = ["job"]


class MySessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="loop__status", choices=Loop.Status.choices, label="The loop's status"
    )

    class Meta:
        model = InterviewSession
        fields = ["status"]
