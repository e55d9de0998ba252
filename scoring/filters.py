import django_filters
from django import forms

from scoring.models import Scorecard


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter alone would take 1.5 and round it)."""

    field_class = forms.IntegerField


class ScorecardFilter(django_filters.FilterSet):
    loop = IdFilter(field_name="loop_id", help_text="Loop id.")
    session = IdFilter(field_name="session_id", help_text="Session id.")
    interviewer = IdFilter(field_name="interviewer_id", help_text="User id of the author.")
    status = django_filters.ChoiceFilter(choices=Scorecard.Status.choices)

    class Meta:
        model = Scorecard
        fields = ["loop", "session", "interviewer", "status"]
