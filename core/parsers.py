"""The API's JSON parser: DRF's, with a nesting limit and every decoding failure a 400.

Python's json module recurses once per nesting level, so a body of 100,000 `[` is a RecursionError
(a 500) in the parser, or later in any code that walks the data. The depth is measured first with
a linear scan that skips string contents, and a body nested deeper than MAX_JSON_DEPTH is refused
before it is parsed.

JSON may also spell a lone UTF-16 surrogate (`"\\ud800"`, or a pair in the wrong order): Python
parses it into a str that cannot be encoded as UTF-8, so a database write, or any error message that
echoes the value (a choice field's), failed with a 500. A body holding one anywhere, in a key or a
value, is refused with a 400 naming where. A proper pair is one character and is kept.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

MAX_JSON_DEPTH = 64

# A JSON string literal (escapes included); its brackets are text, not structure.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_OPENING = frozenset("[{")
# The escape of a surrogate, paired or not: only a body with one is walked for lone ones (raw
# UTF-8 cannot encode a surrogate, so undecodable bytes never get this far).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# After parsing, a pair has become one character: any surrogate left in a str is a lone one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def lone_surrogate_place(value: Any, place: str = "") -> str | None:
    """Where the first str holding a lone surrogate is in parsed JSON (`filters.granularity`,
    `ratings.0.note`, or the key itself), escaped for a message; None when there is none."""
    if isinstance(value, str):
        return (place or "the body") if _LONE_SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{place}.{_escaped(key)}" if place else _escaped(key)
            if _LONE_SURROGATE.search(key):
                return f"the key {here}"
            found = lone_surrogate_place(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_place(item, f"{place}.{index}" if place else str(index))
            if found:
                return found
    return None


def json_nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (not validated; json.loads does that)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        # DRF's check: a text codec only (a bz2_codec "charset" would inflate the body).
        encoding = parsers.get_encoding(parser_context or {})
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"The body is not valid {encoding} text.") from None
        depth = json_nesting_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise ParseError(
                f"The JSON is nested {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted."
            )
        parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
        except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept as a last guard
            raise ParseError("The JSON is nested too deeply.") from None
        if _SURROGATE_ESCAPE.search(text):
            place = lone_surrogate_place(data)
            if place is not None:
                raise ParseError(
                    f"{place} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape that is "
                    "not half of a pair), which is not a character; send the text as valid "
                    "Unicode."
                )
        return data
