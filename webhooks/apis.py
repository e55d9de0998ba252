"""Webhook subscriptions, their delivery log, ping and redeliver (admins only, API.md)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.permissions import RolePermission
from webhooks import selectors, services
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.serializers import (
    WebhookCreatedOutputSerializer,
    WebhookCreateInputSerializer,
    WebhookDeliveryOutputSerializer,
    WebhookOutputSerializer,
    WebhookUpdateInputSerializer,
)


class WebhookApi(generics.GenericAPIView):
    """Admins only: reads and writes (an empty role list is RolePermission's "admins")."""

    permission_classes = [RolePermission]
    read_roles = ()
    write_roles = ()
    serializer_class = WebhookOutputSerializer

    def get_queryset(self):
        return selectors.webhook_subscription_list()

    def subscription(self, pk: int) -> WebhookSubscription:
        return get_object_or_404(self.get_queryset(), pk=pk)


class WebhookListCreateApi(WebhookApi):
    @extend_schema(responses={200: WebhookOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookOutputSerializer(page, many=True).data)

    @extend_schema(
        request=WebhookCreateInputSerializer, responses={201: WebhookCreatedOutputSerializer}
    )
    def post(self, request):
        body = WebhookCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription, generated = services.webhook_subscription_create(
            actor=request.user, **body.validated_data
        )
        subscription.secret = generated
        return Response(
            WebhookCreatedOutputSerializer(subscription).data, status=status.HTTP_201_CREATED
        )


class WebhookDetailApi(WebhookApi):
    queryset = WebhookSubscription.objects.none()  # types the {pk} path parameter in the schema

    @extend_schema(responses={200: WebhookOutputSerializer})
    def get(self, request, pk: int):
        return Response(WebhookOutputSerializer(self.subscription(pk)).data)

    @extend_schema(request=WebhookUpdateInputSerializer, responses={200: WebhookOutputSerializer})
    def patch(self, request, pk: int):
        subscription = self.subscription(pk)
        body = WebhookUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_update(
            actor=request.user, subscription=subscription, **body.validated_data
        )
        return Response(WebhookOutputSerializer(subscription).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.webhook_subscription_delete(actor=request.user, subscription=self.subscription(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookPingApi(WebhookApi):
    queryset = WebhookSubscription.objects.none()

    @extend_schema(
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        description="Queue a `webhook.ping` delivery to this webhook; follow it in the log.",
    )
    def post(self, request, pk: int):
        delivery = services.webhook_ping(actor=request.user, subscription=self.subscription(pk))
        return Response(
            WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )


class WebhookDeliveryListApi(WebhookApi):
    queryset = WebhookSubscription.objects.none()
    serializer_class = WebhookDeliveryOutputSerializer

    @extend_schema(
        responses={200: WebhookDeliveryOutputSerializer(many=True)},
        description="The webhook's delivery log, newest first. A finished delivery (succeeded, "
        "or failed after its last retry) is deleted WEBHOOK_DELIVERY_RETENTION_DAYS (default "
        "30) after it was created; a pending one stays until it finishes.",
    )
    def get(self, request, pk: int):
        deliveries = selectors.webhook_delivery_list(subscription=self.subscription(pk))
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliveryOutputSerializer(page, many=True).data)


class WebhookRedeliverApi(WebhookApi):
    queryset = WebhookSubscription.objects.none()
    serializer_class = WebhookDeliveryOutputSerializer

    @extend_schema(
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        description="Send a finished delivery again, with the same webhook-id and body, as a "
        "new delivery of the log. A delivery pruned from the log (older than "
        "WEBHOOK_DELIVERY_RETENTION_DAYS) is a 404.",
    )
    def post(self, request, pk: int, delivery: int):
        subscription = self.subscription(pk)
        original = get_object_or_404(
            WebhookDelivery.objects.select_related("subscription"),
            pk=delivery,
            subscription=subscription,
        )
        again = services.webhook_redeliver(actor=request.user, delivery=original)
        return Response(
            WebhookDeliveryOutputSerializer(again).data, status=status.HTTP_202_ACCEPTED
        )
