"""The plainly-valid shortcut for ratings gives exactly what the rating's fields give.

`_plain_rating` skips DRF's field-by-field validation for the ratings a client sends almost always;
for any item it accepts, the full validation must accept it too and give the same value, and
whatever it does not accept goes through the fields (and their messages) unchanged.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.scorecards.serializers import (
    MAX_DATABASE_ID,
    MAX_NOTE_CHARS,
    ScorecardCreateInputSerializer,
    ScorecardRatingInputSerializer,
    _plain_rating,
)

NOTES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", " padded ", "a\x00b", "\ud800", "x" * (MAX_NOTE_CHARS + 1)]),
    st.integers(),
    st.none(),
    st.booleans(),
)
NUMBERS = st.one_of(
    st.integers(min_value=-2, max_value=6),
    st.sampled_from([MAX_DATABASE_ID, MAX_DATABASE_ID + 1, 2.0, "3", True, None]),
)
ITEMS = st.one_of(
    st.fixed_dictionaries({"criterion": NUMBERS, "rating": NUMBERS}, optional={"note": NOTES}),
    st.sampled_from([None, [], "3", 3]),
)


@settings(max_examples=400, deadline=None)
@given(ITEMS)
def test_plainly_valid_items_validate_to_the_same_value(item):
    plain = _plain_rating(item)
    full = ScorecardRatingInputSerializer(data=item)
    if plain is not None:
        assert full.is_valid(), full.errors
        assert plain == dict(full.validated_data)


def test_the_list_still_words_errors_through_the_fields():
    body = {
        "session": 1,
        "ratings": [
            {"criterion": 1, "rating": 3, "note": "fine"},
            {"criterion": 2, "rating": "3"},
            {"criterion": 3, "rating": 9},
        ],
    }
    serializer = ScorecardCreateInputSerializer(data=body)

    assert not serializer.is_valid()
    errors = serializer.errors["ratings"]
    assert set(errors) == {1, 2}
    assert "rating" in errors[1] and "rating" in errors[2]
