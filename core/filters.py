"""Query-string filters that refuse what they cannot read, instead of quietly not filtering.

django-filter follows the HTML-form convention: an empty value (`?status=`) means "no filter",
and an id filter takes `1.5` and rounds it. A list that silently ignores a filter the client
sent answers a question the client did not ask, so here a parameter that is present must carry
a value of its type; the 400 says which parameter and what to send.
"""

import django_filters
from django import forms

EMPTY_VALUE_MESSAGE = "Send a value, or leave the parameter out."


class StrictBooleanFormField(forms.Field):
    """'true' or 'false' (any case); anything else is refused."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered not in {"true", "false"}:
            raise forms.ValidationError("Must be true or false.")
        return lowered == "true"


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter alone would take 1.5 and round it)."""

    field_class = forms.IntegerField


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses an empty value for any of its filters but `empty_means_all`.

    Free-text filters (a search box) may list themselves in `empty_means_all`: an empty search
    is a search for everything.
    """

    empty_means_all: tuple[str, ...] = ()

    def is_valid(self) -> bool:
        super().is_valid()  # runs the form's own validation first
        for name in self.filters:
            if name in self.empty_means_all or name not in self.data:
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if any(str(value).strip() == "" for value in values):
                self.form.errors.pop(name, None)  # one message that says what to do
                self.form.add_error(name, EMPTY_VALUE_MESSAGE)
        return self.form.is_valid()
