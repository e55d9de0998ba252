import datetime

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db import connection
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, ErrorCode
from core.login_limits import login_lockout_error
from core.models import ApiToken
from core.permissions import IsAdmin, NewCredentialsNeedASignIn
from core.selectors import integration_token_list, user_list
from core.serializers import (
    IntegrationTokenCreatedOutputSerializer,
    IntegrationTokenCreateInputSerializer,
    IntegrationTokenOutputSerializer,
    MeOutputSerializer,
    TokenObtainInputSerializer,
    TokenObtainOutputSerializer,
    UserCreateInputSerializer,
    UserOutputSerializer,
    UserUpdateInputSerializer,
)
from core.services import token_create, token_revoke, tokens_revoke_all, user_create, user_update


class TokenObtainApi(APIView):
    """Exchange a username and password for a new API token (one per sign-in, several may be live).

    Failed attempts are counted by django-axes per username and address, together with the
    browsable-API and admin logins, since all three go through authenticate()."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={
            200: TokenObtainOutputSerializer,
            429: OpenApiResponse(
                description="This username has failed too often from this address; see "
                "`Retry-After`."
            ),
        },
        operation_id="auth_token_obtain",
    )
    def post(self, request):
        body = TokenObtainInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        django_request = request._request  # axes keeps its per-request state on this object
        user = authenticate(
            request=django_request, username=username, password=body.validated_data["password"]
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise login_lockout_error(django_request, {"username": username})
            raise ApplicationError(
                ErrorCode.VALIDATION_ERROR,
                "Unable to sign in with that username and password.",
                {"non_field_errors": ["Invalid credentials."]},
            )
        # As a form login does: axes clears this pair's failures, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        row, token = token_create(user=user)
        return Response({"token": token, "expires_at": row.expiry})


class LogoutApi(APIView):
    """Revoke the token this request is sent with."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout")
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    """Revoke every token of the caller: sign-in tokens on every device and integration tokens."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout_all")
    def post(self, request):
        tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationTokenListCreateApi(generics.GenericAPIView):
    """The caller's named tokens for scripts and ATS connectors. The token is shown only once.
    Made with a sign-in token, never with an integration token (NewCredentialsNeedASignIn)."""

    permission_classes = [IsAuthenticated, NewCredentialsNeedASignIn]
    serializer_class = IntegrationTokenOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return integration_token_list(user=self.request.user)

    @extend_schema(responses={200: IntegrationTokenOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(IntegrationTokenOutputSerializer(page, many=True).data)

    @extend_schema(
        request=IntegrationTokenCreateInputSerializer,
        responses={201: IntegrationTokenCreatedOutputSerializer},
    )
    def post(self, request):
        body = IntegrationTokenCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row, token = token_create(
            user=request.user,
            kind=ApiToken.Kind.INTEGRATION,
            name=body.validated_data["name"],
            lifetime=datetime.timedelta(days=body.validated_data["expires_in_days"]),
        )
        row.token = token
        return Response(
            IntegrationTokenCreatedOutputSerializer(row).data, status=status.HTTP_201_CREATED
        )


class IntegrationTokenDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, operation_id="me_tokens_destroy")
    def delete(self, request, pk: int):
        # Another user's token is not theirs to see: 404, like a token that does not exist.
        token_revoke(token=get_object_or_404(integration_token_list(user=request.user), pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOutputSerializer}, operation_id="me_retrieve")
    def get(self, request):
        user = request.user
        return Response(MeOutputSerializer(user).data)


class UserListCreateApi(generics.GenericAPIView):
    permission_classes = [IsAdmin]
    serializer_class = UserOutputSerializer

    def get_queryset(self):
        return user_list()

    @extend_schema(responses={200: UserOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        body = UserCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = user_create(actor=request.user, **body.validated_data)
        user = user_list().get(pk=user.pk)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailApi(generics.GenericAPIView):
    permission_classes = [IsAdmin]
    serializer_class = UserOutputSerializer

    def get_queryset(self):
        return user_list()

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request, pk: int):
        return Response(UserOutputSerializer(self.get_object()).data)

    @extend_schema(request=UserUpdateInputSerializer, responses={200: UserOutputSerializer})
    def patch(self, request, pk: int):
        user = self.get_object()
        body = UserUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user_update(actor=request.user, user=user, **body.validated_data)
        return Response(UserOutputSerializer(user_list().get(pk=user.pk)).data)


def broker_status() -> str:
    """'ok' when the Celery broker answers (or tasks run in-process), else 'unavailable'."""
    if not settings.CELERY_BROKER_URL:
        return "ok"
    # The app that config/__init__.py configured; core does not import config (it sits below it).
    from celery import current_app as app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # any transport error means the broker cannot take tasks now
        return "unavailable"


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="healthz",
        responses={
            200: inline_serializer(
                "HealthOutput",
                {
                    "database": serializers.ChoiceField(choices=["ok", "unavailable"]),
                    "broker": serializers.ChoiceField(choices=["ok", "unavailable"]),
                    "tasks": serializers.ChoiceField(choices=["in_process", "worker"]),
                },
            ),
            503: OpenApiResponse(description="The database does not answer."),
        },
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = "ok"
        except Exception:  # the point of the probe is to report any failure, not raise it
            database = "unavailable"
        body = {
            "database": database,
            "broker": broker_status(),
            "tasks": "worker" if settings.CELERY_BROKER_URL else "in_process",
        }
        code = status.HTTP_200_OK if database == "ok" else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response(body, status=code)
