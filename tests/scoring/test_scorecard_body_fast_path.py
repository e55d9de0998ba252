"""The plainly-valid shortcuts of a scorecard's request and response give exactly what the
serializers' fields give.

`_plain_create_body` skips DRF's field-by-field validation of a new scorecard's body (what a
client sends almost always): any body it accepts, the fields accept too, with the same value;
whatever it does not accept goes through the fields (and their messages) unchanged.
`ScorecardOutputSerializer.to_representation` builds the response directly: the same as the
fields' own representation.
"""

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from scoring.scorecards.serializers import (
    MAX_DATABASE_ID,
    MAX_RATINGS,
    MAX_SUMMARY_CHARS,
    ScorecardCreateInputSerializer,
    ScorecardOutputSerializer,
    _plain_create_body,
)

TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " padded ", "a\x00b", "\ud800", "x" * (MAX_SUMMARY_CHARS + 1)]),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
IDS = st.one_of(
    st.integers(min_value=-1, max_value=3),
    st.sampled_from([MAX_DATABASE_ID, MAX_DATABASE_ID + 1, 2.0, "3", True, None, [1], {}]),
)
RECOMMENDATIONS = st.one_of(
    st.sampled_from(["strong_no", "no", "yes", "strong_yes", "", None, "maybe", "YES", 1, True]),
    st.lists(st.integers(), max_size=1),
    st.dictionaries(st.text(max_size=1), st.integers(), max_size=1),
)
RATINGS = st.fixed_dictionaries(
    {"criterion": IDS, "rating": st.one_of(st.integers(min_value=-1, max_value=5), IDS)},
    optional={"note": TEXTS},
)
RATING_LISTS = st.one_of(
    st.lists(RATINGS, max_size=4),
    st.lists(st.just({"criterion": 1, "rating": 2}), min_size=MAX_RATINGS + 1, max_size=201),
    st.sampled_from([None, {}, "ratings", 3, [None]]),
)
# Bodies near the shortcut's edges: valid values and their closest invalid neighbours.
NEAR_VALID_BODIES = st.fixed_dictionaries(
    {"session": st.sampled_from([1, MAX_DATABASE_ID, MAX_DATABASE_ID + 1, 0])},
    optional={
        "overall_recommendation": st.sampled_from(["yes", "strong_no", "", None, "Yes"]),
        "summary": st.sampled_from(
            ["", " ok ", "x" * MAX_SUMMARY_CHARS, "x" * (MAX_SUMMARY_CHARS + 1)]
        ),
        "ratings": st.lists(
            st.fixed_dictionaries(
                {
                    "criterion": st.sampled_from([1, 2, MAX_DATABASE_ID]),
                    "rating": st.integers(min_value=-1, max_value=5),
                },
                optional={"note": st.sampled_from(["", "fine", " fine", "a\x00"])},
            ),
            max_size=3,
        ),
        "submit": st.sampled_from([True, False, None]),
    },
)
BODIES = st.one_of(
    NEAR_VALID_BODIES,
    st.fixed_dictionaries(
        {"session": IDS},
        optional={
            "overall_recommendation": RECOMMENDATIONS,
            "summary": TEXTS,
            "ratings": RATING_LISTS,
            "submit": st.one_of(st.booleans(), st.sampled_from([None, 0, 1, "true"])),
            "unknown": st.integers(),
        },
    ),
    st.sampled_from([None, [], "body", 3]),
)


def _through_the_fields(body):
    """DRF's own validation of the body (the serializer without its shortcut), or None."""
    serializer = ScorecardCreateInputSerializer(data=body)
    try:
        return dict(serializers.Serializer.run_validation(serializer, body))
    except serializers.ValidationError:
        return None


@settings(max_examples=600, deadline=None)
@given(BODIES)
def test_plainly_valid_bodies_validate_to_the_same_value(body):
    plain = _plain_create_body(body)
    if plain is not None:
        assert _through_the_fields(body) == plain


def test_a_plain_body_takes_the_shortcut_and_others_keep_their_messages():
    good = {"session": 7, "ratings": [{"criterion": 1, "rating": 3}], "submit": True}
    assert _plain_create_body(good) == {
        "session": 7,
        "ratings": [{"criterion": 1, "rating": 3, "note": ""}],
        "submit": True,
    }
    serializer = ScorecardCreateInputSerializer(data={**good, "summary": 5})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"summary"}


def _scorecard(**overrides):
    fields = {
        "id": 3,
        "session_id": 5,
        "loop_id": 8,
        "interviewer_id": 13,
        "shadow": False,
        "status": "submitted",
        "overall_recommendation": "yes",
        "summary": "Clear reasoning.",
        "revision": 2,
        "submitted_at": datetime(2026, 11, 30, 12, 0, 1, 123456, tzinfo=UTC),
        "created_at": datetime(2026, 11, 30, 11, 0, tzinfo=timezone(timedelta(hours=2))),
        "updated_at": datetime(2026, 11, 30, 12, 0, 1, tzinfo=UTC),
        "rating_rows": [
            SimpleNamespace(criterion_id=21, question_id_for_output=34, rating=0, note=""),
            SimpleNamespace(criterion_id=22, question_id_for_output=34, rating=4, note="Good."),
        ],
    }
    return SimpleNamespace(**(fields | overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"status": "draft", "overall_recommendation": "", "submitted_at": None},
        {"rating_rows": []},
        {"shadow": True},
    ],
)
def test_the_response_is_what_the_fields_give(overrides):
    scorecard = _scorecard(**overrides)
    serializer = ScorecardOutputSerializer(scorecard)
    by_the_fields = serializers.Serializer.to_representation(serializer, scorecard)
    by_the_fields["overall_recommendation"] = scorecard.overall_recommendation or None

    assert serializer.data == by_the_fields
