"""JSON bodies must carry the types the schema declares.

DRF coerces by default: a CharField takes 7 and makes it "7", an IntegerField takes "3" or 2.0,
a BooleanField takes "yes" or 1. For an API whose clients are scripts and ATS integrations, such
coercion hides bugs (a rating sent as the string "3" is a client bug worth a 400), and it makes
the running code disagree with the OpenAPI schema. `install()` makes the common fields strict, once,
from CoreConfig.ready(); query parameters are parsed by django-filter and are not affected.
"""

from rest_framework import fields, relations


def _strict(field_class, accepts, message: str) -> None:
    original = field_class.to_internal_value

    def to_internal_value(self, value):
        if not accepts(value):
            self.fail("strict_type")
        return original(self, value)

    field_class.to_internal_value = to_internal_value
    field_class.default_error_messages = {
        **field_class.default_error_messages,
        "strict_type": message,
    }


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_bool(value) -> bool:
    return isinstance(value, bool)


def install() -> None:
    if getattr(fields, "_strict_types_installed", False):
        return
    _strict(fields.CharField, _is_text, "Must be a string.")
    _strict(fields.IntegerField, _is_integer, "Must be a whole number (not a string or decimal).")
    _strict(fields.FloatField, _is_number, "Must be a number (not a string).")
    _strict(fields.BooleanField, _is_bool, "Must be true or false.")
    _strict(relations.PrimaryKeyRelatedField, _is_integer, "Must be an integer id.")
    fields._strict_types_installed = True
