"""Scorecard request and response shapes (API.md, Scoring).

Ratings are whole numbers on a 0-4 scale; every number that is an id or a rating is a
`StrictIntegerField` (core/fields.py), which refuses "3", 2.0 and true.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from core.fields import StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField
from scoring.scorecards.models import RECOMMENDATION_OPTIONS, Recommendation, Scorecard

MAX_DATABASE_ID = 2**63 - 1
MAX_RATINGS = 200
MAX_SUMMARY_CHARS = 20_000
MAX_NOTE_CHARS = 5_000
# The scorecard API's own wording for a wrong JSON type (instead of core/fields.py's default).
_WHOLE_NUMBER = "Send a whole number, not a string, decimal or boolean."
_NOT_A_RECOMMENDATION = f"'{{input}}' is not a recommendation; use {RECOMMENDATION_OPTIONS}."


def _id_field(thing: str, **kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=1,
        max_value=MAX_DATABASE_ID,
        error_messages={
            "strict_type": _WHOLE_NUMBER,
            "min_value": f"Send the id of a {thing}: a positive whole number.",
            "max_value": f"Send the id of a {thing}: this number is too large to be one.",
        },
        **kwargs,
    )


_RATING_RANGE = "Ratings run from 0 (not addressed) to 4 (exceptional): send a whole number 0-4."


# What DRF's CharField refuses in any text (ProhibitNull/SurrogateCharactersValidator).
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _plain_rating(item: Any) -> dict[str, Any] | None:
    """The validated rating when `item` is plainly valid (what a client sends almost always), or
    None: then the item goes through the full field validation, which words the errors."""
    if type(item) is not dict:
        return None
    criterion, rating, note = item.get("criterion"), item.get("rating"), item.get("note", "")
    if type(criterion) is not int or not 1 <= criterion <= MAX_DATABASE_ID:
        return None
    if type(rating) is not int or not 0 <= rating <= 4:
        return None
    if type(note) is not str or len(note) > MAX_NOTE_CHARS or note != note.strip():
        return None
    if _UNSAFE_TEXT.search(note):
        return None
    return {"criterion": criterion, "rating": rating, "note": note}


class ScorecardRatingListInputSerializer(serializers.ListSerializer):
    """Up to 200 ratings a request: each plainly valid one is taken as it is (the same value
    the fields would give); any other goes through the rating's fields and their messages."""

    def run_child_validation(self, data: Any) -> dict[str, Any]:
        return _plain_rating(data) or super().run_child_validation(data)


class ScorecardRatingInputSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = ScorecardRatingListInputSerializer

    criterion = _id_field("rubric criterion")
    rating = StrictIntegerField(
        min_value=0,
        max_value=4,
        error_messages={
            "strict_type": _WHOLE_NUMBER,
            "min_value": _RATING_RANGE,
            "max_value": _RATING_RANGE,
        },
    )
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=MAX_NOTE_CHARS)


def _ratings_field() -> ScorecardRatingInputSerializer:
    return ScorecardRatingInputSerializer(
        many=True,
        required=False,
        max_length=MAX_RATINGS,
        help_text=(
            "One rating per rubric criterion of the session's questions; the list replaces the "
            "scorecard's ratings."
        ),
    )


def _recommendation_field() -> StrictChoiceField:
    return StrictChoiceField(
        choices=Recommendation.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={"invalid_choice": _NOT_A_RECOMMENDATION},
    )


def _summary_field() -> StrictCharField:
    return StrictCharField(
        required=False, allow_blank=True, max_length=MAX_SUMMARY_CHARS, trim_whitespace=False
    )


def _plain_text(value: Any, max_length: int) -> bool:
    return type(value) is str and len(value) <= max_length and not _UNSAFE_TEXT.search(value)


def _plain_create_body(data: Any) -> dict[str, Any] | None:
    """The validated body of a new scorecard when `data` is plainly valid (what a client sends
    almost always), or None: then it goes through the fields, which word the errors. The same
    value the fields give (tests/scoring/test_scorecard_body_fast_path.py), without building
    them: DRF copies every declared field of a serializer for each request."""
    if type(data) is not dict:
        return None
    session, submit = data.get("session"), data.get("submit", False)
    if type(session) is not int or not 1 <= session <= MAX_DATABASE_ID or type(submit) is not bool:
        return None
    body: dict[str, Any] = {"session": session}
    if "overall_recommendation" in data:
        recommendation = data["overall_recommendation"]
        if type(recommendation) not in _PLAIN_RECOMMENDATION_TYPES:
            return None
        if recommendation not in _RECOMMENDATION_OR_BLANK:
            return None
        body["overall_recommendation"] = recommendation
    if "summary" in data:
        if not _plain_text(data["summary"], MAX_SUMMARY_CHARS):
            return None
        body["summary"] = data["summary"]
    if "ratings" in data:
        items = data["ratings"]
        if type(items) is not list or len(items) > MAX_RATINGS:
            return None
        ratings = [_plain_rating(item) for item in items]
        if None in ratings:
            return None
        body["ratings"] = ratings
    body["submit"] = submit
    return body


_RECOMMENDATION_OR_BLANK = frozenset([None, "", *Recommendation.values])
_PLAIN_RECOMMENDATION_TYPES = (str, type(None))


class ScorecardCreateInputSerializer(serializers.Serializer):
    """A new scorecard. A plainly valid body is taken as it is (`_plain_create_body`); any other
    goes through the fields below and their messages."""

    session = _id_field("session of a loop you interview in")
    overall_recommendation = _recommendation_field()
    summary = _summary_field()
    ratings = _ratings_field()
    submit = StrictBooleanField(
        required=False,
        default=False,
        help_text="true submits at once (every active criterion rated, a recommendation given).",
    )

    def run_validation(self, data: Any = empty) -> Any:
        plain = _plain_create_body(data)
        return plain if plain is not None else super().run_validation(data)


class ScorecardUpdateInputSerializer(serializers.Serializer):
    overall_recommendation = _recommendation_field()
    summary = _summary_field()
    ratings = _ratings_field()


class ScorecardAmendInputSerializer(serializers.Serializer):
    reason = StrictCharField(
        max_length=MAX_SUMMARY_CHARS, help_text="Why the submitted scorecard is being changed."
    )
    overall_recommendation = StrictChoiceField(
        choices=Recommendation.choices,
        required=False,
        error_messages={"invalid_choice": _NOT_A_RECOMMENDATION},
    )
    summary = _summary_field()
    ratings = _ratings_field()


def _rating_dicts(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "criterion": int(row.criterion_id),
            "question": int(row.question_id_for_output),
            "rating": int(row.rating),
            "note": str(row.note),
        }
        for row in rows
    ]


class ScorecardRatingListOutputSerializer(serializers.ListSerializer):
    """The ratings of a scorecard (30 or more): the same dicts the four fields would make,
    built directly."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        return _rating_dicts(data)


_DATETIME = serializers.DateTimeField()


def _datetime(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


class ScorecardRatingOutputSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = ScorecardRatingListOutputSerializer

    criterion = serializers.IntegerField(source="criterion_id")
    question = serializers.IntegerField(source="question_id_for_output")
    rating = serializers.IntegerField()
    note = serializers.CharField()


class ScorecardOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    loop = serializers.IntegerField(source="loop_id")
    interviewer = serializers.IntegerField(source="interviewer_id")
    shadow = serializers.BooleanField(
        help_text="Written by a trainee of the session: never counts toward the loop's "
        "completion, its decision or a candidate's scores."
    )
    status = serializers.ChoiceField(choices=Scorecard.Status.choices)
    overall_recommendation = serializers.ChoiceField(
        choices=Recommendation.choices, allow_null=True
    )
    summary = serializers.CharField()
    revision = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    ratings = ScorecardRatingOutputSerializer(many=True, source="rating_rows")

    def to_representation(self, instance: Scorecard) -> dict[str, Any]:
        """What the fields above give, built directly (every scorecard response and list page):
        DRF would copy the declared fields for each serializer first. tests/scoring/
        test_scorecard_body_fast_path.py holds the two together."""
        return {
            "id": int(instance.id),
            "session": int(instance.session_id),
            "loop": int(instance.loop_id),
            "interviewer": int(instance.interviewer_id),
            "shadow": bool(instance.shadow),
            "status": str(instance.status),
            # A draft without a recommendation says null rather than "".
            "overall_recommendation": instance.overall_recommendation or None,
            "summary": str(instance.summary),
            "revision": int(instance.revision),
            "submitted_at": _datetime(instance.submitted_at),
            "created_at": _datetime(instance.created_at),
            "updated_at": _datetime(instance.updated_at),
            "ratings": _rating_dicts(instance.rating_rows),
        }


class ScorecardPreviousRatingOutputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    question = serializers.IntegerField()
    rating = serializers.IntegerField()
    note = serializers.CharField()


class ScorecardPreviousOutputSerializer(serializers.Serializer):
    overall_recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    summary = serializers.CharField()
    ratings = ScorecardPreviousRatingOutputSerializer(many=True)


class ScorecardRevisionOutputSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The revision that `previous` describes.")
    amended_by = serializers.IntegerField(source="amended_by_id", allow_null=True)
    amended_at = serializers.DateTimeField()
    reason = serializers.CharField()
    previous = ScorecardPreviousOutputSerializer()
    author_could_read_peers = serializers.BooleanField(
        help_text="Whether the amender could read another interviewer's submitted scorecard of "
        "the loop when making this amendment (statistics keep reading the first submission)."
    )
