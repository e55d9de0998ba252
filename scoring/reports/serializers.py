"""Calibration report request and response shapes (API.md, Calibration)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.fields import StrictChoiceField, StrictDateField, StrictIntegerField, StrictSlugField
from scoring.calibration.inputs import DRIFT_GRANULARITIES
from scoring.reports.models import CalibrationReport

MAX_DATABASE_ID = 2**63 - 1
MAX_FILTER_VALUES = 1000
FILTER_FIELDS = ("job", "since", "until", "interviewers", "levels", "questions", "granularity")


def _id_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=1,
        max_value=MAX_DATABASE_ID,
        # The report API's own wording for a wrong JSON type (instead of core/fields.py's default).
        error_messages={"strict_type": "Send a whole number id, not a string or decimal."},
        **kwargs,
    )


class CalibrationReportFiltersInputSerializer(serializers.Serializer):
    job = _id_field(required=False, allow_null=True)
    since = StrictDateField(
        required=False, allow_null=True, help_text="First submission date included (UTC)."
    )
    until = StrictDateField(
        required=False, allow_null=True, help_text="Last submission date included (UTC)."
    )
    interviewers = serializers.ListField(
        child=_id_field(), required=False, max_length=MAX_FILTER_VALUES
    )
    levels = serializers.ListField(
        child=StrictSlugField(max_length=50), required=False, max_length=MAX_FILTER_VALUES
    )
    questions = serializers.ListField(
        child=_id_field(), required=False, max_length=MAX_FILTER_VALUES
    )
    granularity = StrictChoiceField(
        choices=DRIFT_GRANULARITIES,
        required=False,
        help_text="Period of result.drift: calendar quarter (default) or month.",
        error_messages={"invalid_choice": 'Use "quarter" or "month", not "{input}".'},
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in FILTER_FIELDS)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [f"Unknown filter; use one of {', '.join(FILTER_FIELDS)}."]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and since > until:
            raise serializers.ValidationError(
                {"until": [f"until ({until}) is before since ({since}); swap them."]}
            )
        return attrs


class CalibrationReportRequestInputSerializer(serializers.Serializer):
    filters = CalibrationReportFiltersInputSerializer(required=False)

    def stored_filters(self) -> dict[str, Any]:
        """The filters as stored on the report: only those given, dates as ISO strings, lists
        without repeats."""
        stored: dict[str, Any] = {}
        for key, value in (self.validated_data.get("filters") or {}).items():
            if value is None or value == []:
                continue
            if key in ("since", "until"):
                stored[key] = value.isoformat()
            elif isinstance(value, list):
                stored[key] = list(dict.fromkeys(value))
            else:
                stored[key] = value
        return stored


class CalibrationReportFiltersOutputSerializer(serializers.Serializer):
    job = serializers.IntegerField(required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    interviewers = serializers.ListField(child=serializers.IntegerField(), required=False)
    levels = serializers.ListField(child=serializers.CharField(), required=False)
    questions = serializers.ListField(child=serializers.IntegerField(), required=False)
    granularity = serializers.CharField(required=False)


class CalibrationReportListOutputSerializer(serializers.ModelSerializer):
    filters = CalibrationReportFiltersOutputSerializer()
    requested_by = serializers.IntegerField(source="requested_by_id", allow_null=True)

    class Meta:
        model = CalibrationReport
        fields = [
            "id",
            "status",
            "progress",
            "error",
            "attempts",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "filters",
        ]
        read_only_fields = fields


class CalibrationReportOutputSerializer(CalibrationReportListOutputSerializer):
    result = serializers.JSONField(
        allow_null=True,
        help_text=(
            "Null until succeeded; then {summary, interviewers, questions, candidates, "
            "agreement, reliability, model, variance_components, decision_study, "
            "decision_advice, drift} as API.md (Calibration) describes."
        ),
    )

    class Meta(CalibrationReportListOutputSerializer.Meta):
        fields = [*CalibrationReportListOutputSerializer.Meta.fields, "result"]
        read_only_fields = fields
