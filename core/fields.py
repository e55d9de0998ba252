"""Input fields that take the JSON type the schema declares, and nothing else.

DRF coerces by default: a CharField takes 7 and makes it "7", an IntegerField takes "3" or 2.0,
a BooleanField takes "yes" or 1, a PrimaryKeyRelatedField takes "12". For an API whose clients are
scripts and ATS integrations, such coercion hides bugs (a rating sent as the string "3" is a client
bug worth a 400), and it makes the running code disagree with the OpenAPI schema.

Every field of an input serializer is one of the `Strict*` classes below (or a list, dict or nested
serializer of them); tests/core/test_input_serializers_are_strict.py walks every serializer the
views read and fails on a plain DRF field. Each class refuses a value of the wrong JSON type before
its DRF parent sees it, with the message below (a field may pass its own "strict_type" message in
`error_messages`); a value of the right type then goes through DRF's usual checks. Output
serializers keep DRF's fields: strictness is about what we accept. Query parameters are parsed by
django-filter (core/filters.py) and are not affected.
"""

from __future__ import annotations

from typing import Any, NoReturn

from rest_framework import relations, serializers
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime

MUST_BE_STRING = "Must be a string."
MUST_BE_WHOLE_NUMBER = "Must be a whole number (not a string or decimal)."
MUST_BE_NUMBER = "Must be a number (not a string)."
MUST_BE_BOOLEAN = "Must be true or false."
MUST_BE_INTEGER_ID = "Must be an integer id."


def is_json_string(value: Any) -> bool:
    return isinstance(value, str)


def is_json_integer(value: Any) -> bool:
    # bool is a subclass of int in Python, but true is not a number in JSON.
    return isinstance(value, int) and not isinstance(value, bool)


def is_json_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_json_boolean(value: Any) -> bool:
    return isinstance(value, bool)


class StrictField:
    """Refuses a value whose JSON type `accepts` rejects, before the DRF field coerces it.

    Mixed in before a DRF field class; the test of input serializers recognises strict fields by
    this class.
    """

    def accepts(self, data: Any) -> bool:
        raise NotImplementedError

    def fail_type(self, data: Any) -> NoReturn:
        self.fail("strict_type")

    def to_internal_value(self, data: Any) -> Any:
        if not self.accepts(data):
            self.fail_type(data)
        return super().to_internal_value(data)


class _StrictText(StrictField):
    default_error_messages = {"strict_type": MUST_BE_STRING}

    def accepts(self, data: Any) -> bool:
        return is_json_string(data)


class StrictCharField(_StrictText, serializers.CharField):
    pass


class StrictEmailField(_StrictText, serializers.EmailField):
    pass


class StrictSlugField(_StrictText, serializers.SlugField):
    pass


class StrictRegexField(_StrictText, serializers.RegexField):
    pass


class StrictIntegerField(StrictField, serializers.IntegerField):
    default_error_messages = {"strict_type": MUST_BE_WHOLE_NUMBER}

    def accepts(self, data: Any) -> bool:
        return is_json_integer(data)

    def to_internal_value(self, data: Any) -> int:
        if not self.accepts(data):
            self.fail_type(data)
        # A JSON integer is already the value: DRF's parent would only round-trip it through str().
        return data


class StrictFloatField(StrictField, serializers.FloatField):
    default_error_messages = {"strict_type": MUST_BE_NUMBER}

    def accepts(self, data: Any) -> bool:
        return is_json_number(data)


class StrictBooleanField(StrictField, serializers.BooleanField):
    default_error_messages = {"strict_type": MUST_BE_BOOLEAN}

    def accepts(self, data: Any) -> bool:
        return is_json_boolean(data)


class StrictPrimaryKeyRelatedField(StrictField, relations.PrimaryKeyRelatedField):
    default_error_messages = {"strict_type": MUST_BE_INTEGER_ID}

    def accepts(self, data: Any) -> bool:
        return is_json_integer(data)


class StrictChoiceField(StrictField, serializers.ChoiceField):
    """A choice among strings; any other JSON type is "not a valid choice", as DRF says of a string
    outside the choices (DRF would otherwise match 1 to the choice "1", true to "True")."""

    def accepts(self, data: Any) -> bool:
        return is_json_string(data)

    def fail_type(self, data: Any) -> NoReturn:
        self.fail("invalid_choice", input=data)


class StrictDateField(StrictField, serializers.DateField):
    """An ISO 8601 date string; a number (epoch seconds or days) is the wrong format."""

    def accepts(self, data: Any) -> bool:
        return is_json_string(data)

    def fail_type(self, data: Any) -> NoReturn:
        formats = getattr(self, "input_formats", api_settings.DATE_INPUT_FORMATS)
        self.fail("invalid", format=humanize_datetime.date_formats(formats))


class StrictDateTimeField(StrictField, serializers.DateTimeField):
    """An ISO 8601 date-time string; a number (epoch seconds) is the wrong format."""

    def accepts(self, data: Any) -> bool:
        return is_json_string(data)

    def fail_type(self, data: Any) -> NoReturn:
        formats = getattr(self, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
        self.fail("invalid", format=humanize_datetime.datetime_formats(formats))
