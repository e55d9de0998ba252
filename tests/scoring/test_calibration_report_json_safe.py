"""The stored result is strict JSON: non-finite floats become null (jsonb refuses NaN)."""

import json

from scoring.reports.services import _json_text


def test_non_finite_floats_become_null_and_strict_json_is_dumped_as_it_is():
    value = {"a": [1.0, float("nan"), (2, float("inf"))], 3: {"b": -float("inf")}, "c": "x"}
    expected = {"a": [1.0, None, [2, None]], "3": {"b": None}, "c": "x"}
    assert json.loads(_json_text(value)) == expected
    strict = {"a": [1.5, None], "b": {"c": 2}}
    assert _json_text(strict) == json.dumps(strict)
