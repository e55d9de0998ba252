"""The API's JSON parser: DRF's, with a nesting limit and every decoding failure a 400.

Python's json module recurses once per nesting level, so a body of 100,000 `[` is a RecursionError
(a 500) in the parser, or later in any code that walks the data. The depth is measured first with
a linear scan that skips string contents, and a body nested deeper than MAX_JSON_DEPTH is refused
before it is parsed.
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
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
        except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept as a last guard
            raise ParseError("The JSON is nested too deeply.") from None
