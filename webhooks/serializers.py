from __future__ import annotations

from rest_framework import serializers

from core.fields import StrictBooleanField, StrictCharField
from webhooks.events import DELIVERY_EVENTS, EVENTS
from webhooks.models import WebhookDelivery

_EVENTS_HELP = f"Events to receive, among: {', '.join(EVENTS)}."
_SECRET_HELP = (
    "Write-only. 'whsec_' + base64 of 24..64 random bytes (Standard Webhooks); left out on "
    "create, one is generated and shown once, in the create response."
)


def _events_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=64),
        allow_empty=False,
        max_length=50,
        help_text=_EVENTS_HELP,
        **kwargs,
    )


class WebhookCreateInputSerializer(serializers.Serializer):
    url = StrictCharField(
        max_length=2000,
        help_text="https:// URL of the receiver (http:// only with WEBHOOK_ALLOW_INSECURE).",
    )
    events = _events_field()
    secret = StrictCharField(max_length=200, required=False, help_text=_SECRET_HELP)
    is_active = StrictBooleanField(required=False, default=True)


class WebhookUpdateInputSerializer(serializers.Serializer):
    url = StrictCharField(max_length=2000, required=False)
    events = _events_field(required=False)
    secret = StrictCharField(max_length=200, required=False, help_text=_SECRET_HELP)
    is_active = StrictBooleanField(
        required=False, help_text="true re-enables a disabled webhook and clears its reason."
    )


class WebhookOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS))
    is_active = serializers.BooleanField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(
        help_text="Why the webhook was disabled after a long run of failures; empty otherwise."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookCreatedOutputSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(
        allow_null=True,
        help_text="The generated secret, shown only here; null when you gave one.",
    )


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.ChoiceField(choices=DELIVERY_EVENTS)
    message_id = serializers.CharField(help_text="The webhook-id header, the same on every try.")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
