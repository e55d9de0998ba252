"""Every field a client writes takes exactly the JSON type the schema declares (core/fields.py).

The serializers checked are those the views read: the request serializer of every POST, PUT and
PATCH in the URLconf (as drf-spectacular finds it: `@extend_schema(request=...)`, else the
view's serializer), plus every `*InputSerializer` of the project's apps, in case a view reads one
its schema does not name. A writable field passes when it is a `core.fields.StrictField`, or a
container that refuses any other JSON type on its own (a nested serializer, a many=True list of
them, a ListField, a DictField, a many=True relation), whose children are checked in turn.
Anything else (a plain CharField, IntegerField, PrimaryKeyRelatedField, a ModelSerializer's
generated fields...) coerces and fails the test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import relations, serializers

from core.fields import (
    MUST_BE_BOOLEAN,
    MUST_BE_INTEGER_ID,
    MUST_BE_NUMBER,
    MUST_BE_STRING,
    MUST_BE_WHOLE_NUMBER,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictDateTimeField,
    StrictEmailField,
    StrictField,
    StrictFloatField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    StrictRegexField,
    StrictSlugField,
)

WRITE_METHODS = ("POST", "PUT", "PATCH")
# Containers whose own to_internal_value refuses every other JSON type; their children are checked.
CONTAINERS = (serializers.ListField, serializers.DictField)  # and many=True relations


def _project_apps() -> list[str]:
    root = str(settings.BASE_DIR)
    return [a.name for a in apps.get_app_configs() if a.path.startswith(root)]


def _input_serializer_classes() -> set[type[serializers.BaseSerializer]]:
    found: set[type[serializers.BaseSerializer]] = set()
    for app in _project_apps():
        for module_name in (f"{app}.serializers", *_submodule_serializers(app)):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for name, obj in vars(module).items():
                if (
                    name.endswith("InputSerializer")
                    and inspect.isclass(obj)
                    and issubclass(obj, serializers.BaseSerializer)
                    # A list serializer has no fields of its own: its child is walked through
                    # the serializer that nests it.
                    and not issubclass(obj, serializers.ListSerializer)
                ):
                    found.add(obj)
    return found


def _submodule_serializers(app: str) -> list[str]:
    # scoring keeps its rooms as packages: scoring/scorecards/serializers.py and so on.
    package = importlib.import_module(app)
    return [
        f"{app}.{entry.name}.serializers"
        for entry in pkgutil.iter_modules(package.__path__)
        if entry.ispkg
    ]


def _request_serializers_of_views() -> dict[str, serializers.BaseSerializer]:
    """{"POST /api/v1/loops/": serializer} for every write endpoint that reads a body."""
    generator = SchemaGenerator()
    found: dict[str, serializers.BaseSerializer] = {}
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if method not in WRITE_METHODS:
            continue
        view = generator.create_view(callback, method)
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.method, view.schema.path = method, path
        serializer = view.schema.get_request_serializer()
        if serializer is None:
            continue
        if inspect.isclass(serializer):
            serializer = serializer()
        found[f"{method} {path}"] = serializer
    return found


def coercing_fields(serializer: serializers.BaseSerializer, path: str) -> Iterator[str]:
    """ "Serializer.field.child: DRF IntegerField" for each writable field that is not strict."""
    if isinstance(serializer, serializers.ListSerializer):
        yield from coercing_fields(serializer.child, f"{path}[]")
        return
    for name, field in serializer.fields.items():
        yield from _check_field(field, f"{path}.{name}")


def _check_field(field: serializers.Field, path: str) -> Iterator[str]:
    if field.read_only:
        return
    if isinstance(field, StrictField):
        return
    if isinstance(field, serializers.BaseSerializer):
        yield from coercing_fields(field, path)
    elif isinstance(field, CONTAINERS):
        yield from _check_field(field.child, f"{path}.child")
    elif isinstance(field, relations.ManyRelatedField):
        yield from _check_field(field.child_relation, f"{path}.child")
    else:
        yield (
            f"{path}: {type(field).__module__}.{type(field).__name__} coerces other JSON types; "
            "use a core.fields.Strict* field (add one there if none fits)"
        )


def test_every_write_endpoint_names_a_request_serializer_the_check_sees():
    # If the enumeration found nothing, the test below would pass vacuously.
    by_endpoint = _request_serializers_of_views()
    assert "POST /api/v1/scorecards/" in by_endpoint
    assert "PATCH /api/v1/questions/{pk}/" in by_endpoint
    assert len(by_endpoint) >= 15
    assert len(_input_serializer_classes()) >= 20


@pytest.mark.django_db
def test_input_serializers_use_only_strict_fields():
    problems: list[str] = []
    for endpoint, serializer in sorted(_request_serializers_of_views().items()):
        name = type(serializer).__name__
        problems += [f"{endpoint} {p}" for p in coercing_fields(serializer, name)]
    for cls in sorted(_input_serializer_classes(), key=lambda c: f"{c.__module__}.{c.__name__}"):
        problems += coercing_fields(cls(), f"{cls.__module__}.{cls.__name__}")
    assert not problems, "Input serializers with coercing fields:\n" + "\n".join(
        sorted(set(problems))
    )


class _NestedCoercing(serializers.Serializer):
    fine = StrictIntegerField()
    read_only_is_fine = serializers.IntegerField(read_only=True)
    deep = serializers.ListField(child=serializers.DictField(child=serializers.IntegerField()))


class _Coercing(serializers.Serializer):
    name = serializers.CharField()
    owner = serializers.PrimaryKeyRelatedField(queryset=[], many=True)
    items = _NestedCoercing(many=True)
    strict = StrictCharField()


def test_the_check_names_each_coercing_field_however_deep():
    found = list(coercing_fields(_Coercing(), "_Coercing"))

    assert [line.split(":")[0] for line in found] == [
        "_Coercing.name",
        "_Coercing.owner.child",
        "_Coercing.items[].deep.child.child",
    ]
    assert "rest_framework.fields.CharField coerces" in found[0]


@pytest.mark.parametrize(
    ("field", "wrong", "message"),
    [
        (StrictCharField(), 7, MUST_BE_STRING),
        (StrictEmailField(), 7, MUST_BE_STRING),
        (StrictSlugField(), ["a"], MUST_BE_STRING),
        (StrictRegexField(r"^\w+$"), True, MUST_BE_STRING),
        (StrictIntegerField(), "3", MUST_BE_WHOLE_NUMBER),
        (StrictIntegerField(), 2.0, MUST_BE_WHOLE_NUMBER),
        (StrictIntegerField(), True, MUST_BE_WHOLE_NUMBER),
        (StrictFloatField(), "1.5", MUST_BE_NUMBER),
        (StrictFloatField(), False, MUST_BE_NUMBER),
        (StrictBooleanField(), 1, MUST_BE_BOOLEAN),
        (StrictBooleanField(), "true", MUST_BE_BOOLEAN),
        (StrictPrimaryKeyRelatedField(queryset=[]), "12", MUST_BE_INTEGER_ID),
        (StrictPrimaryKeyRelatedField(queryset=[]), True, MUST_BE_INTEGER_ID),
        (StrictChoiceField(choices=["1", "True"]), 1, '"1" is not a valid choice.'),
        (StrictChoiceField(choices=["1", "True"]), True, '"True" is not a valid choice.'),
        (StrictDateField(), 20260101, "Date has wrong format."),
        (StrictDateTimeField(), 1_700_000_000, "Datetime has wrong format."),
    ],
)
def test_a_strict_field_refuses_the_wrong_json_type(field, wrong, message):
    with pytest.raises(serializers.ValidationError) as refused:
        field.run_validation(wrong)

    assert str(refused.value.detail[0]).startswith(message)


@pytest.mark.parametrize(
    ("field", "right", "value"),
    [
        (StrictCharField(), "7", "7"),
        (StrictIntegerField(min_value=0), 3, 3),
        (StrictFloatField(), 2, 2.0),
        (StrictBooleanField(), False, False),
        (StrictChoiceField(choices=["a", "b"]), "b", "b"),
    ],
)
def test_a_strict_field_takes_the_right_json_type(field, right, value):
    assert field.run_validation(right) == value


def test_a_field_may_say_its_own_message_for_the_wrong_type():
    field = StrictIntegerField(error_messages={"strict_type": "Send a whole number."})

    with pytest.raises(serializers.ValidationError) as refused:
        field.run_validation("3")

    assert refused.value.detail == ["Send a whole number."]
