from django.contrib.auth.models import User
from rest_framework import serializers

from core.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
    StrictRegexField,
)
from core.roles import ROLE_NAMES


class TokenObtainInputSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)


class TokenObtainOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(source="expiry")


class IntegrationTokenCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    expires_in_days = StrictIntegerField(min_value=1, max_value=365)


class IntegrationTokenOutputSerializer(serializers.Serializer):
    """An integration token as lists show it: never the token itself (only its digest is kept)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry")


class IntegrationTokenCreatedOutputSerializer(IntegrationTokenOutputSerializer):
    """The create response, the one time the token is shown."""

    token = serializers.CharField()


def _roles_of(user: User) -> list[str]:
    # Reads the prefetched groups: no query per user in a list.
    return sorted(g.name for g in user.groups.all() if g.name in ROLE_NAMES)


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    # CharField, not EmailField: an account may have no address, and "" is not format: email.
    email = serializers.CharField()
    roles = serializers.SerializerMethodField()
    is_admin = serializers.BooleanField(source="is_staff")

    def get_roles(self, user: User) -> list[str]:
        return _roles_of(user)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    # CharField, not EmailField: an account may have no address, and "" is not format: email.
    email = serializers.CharField()
    roles = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()

    def get_roles(self, user: User) -> list[str]:
        return _roles_of(user)


class UserCreateInputSerializer(serializers.Serializer):
    username = StrictRegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = StrictEmailField(required=False, allow_blank=True, default="")
    password = StrictCharField(
        write_only=True, required=False, allow_blank=True, min_length=8, max_length=4096
    )
    roles = serializers.ListField(
        child=StrictChoiceField(choices=ROLE_NAMES), required=False, default=list
    )
    is_active = StrictBooleanField(required=False, default=True)
    # Granting the admin role is for superusers only (core.services.user_create).
    is_staff = StrictBooleanField(required=False, default=False)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("A user with this username already exists.")
        return value


class UserUpdateInputSerializer(serializers.Serializer):
    email = StrictEmailField(required=False, allow_blank=True)
    password = StrictCharField(write_only=True, required=False, min_length=8, max_length=4096)
    roles = serializers.ListField(child=StrictChoiceField(choices=ROLE_NAMES), required=False)
    is_active = StrictBooleanField(required=False)
    is_staff = StrictBooleanField(required=False)
