import django_filters

from core.filters import IdFilter, StrictFilterSet
from scoring.scorecards.models import Scorecard


class ScorecardFilter(StrictFilterSet):
    loop = IdFilter(field_name="loop_id", help_text="Loop id.")
    session = IdFilter(field_name="session_id", help_text="Session id.")
    interviewer = IdFilter(field_name="interviewer_id", help_text="User id of the author.")
    status = django_filters.ChoiceFilter(choices=Scorecard.Status.choices)

    class Meta:
        model = Scorecard
        fields = ["loop", "session", "interviewer", "status"]
