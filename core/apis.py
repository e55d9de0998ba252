from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, ErrorCode
from core.permissions import IsAdmin
from core.selectors import user_list
from core.serializers import (
    MeOutputSerializer,
    TokenObtainInputSerializer,
    TokenObtainOutputSerializer,
    UserCreateInputSerializer,
    UserOutputSerializer,
    UserUpdateInputSerializer,
)
from core.services import user_create, user_update
from core.throttling import FailedLoginLimiter


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={200: TokenObtainOutputSerializer},
        operation_id="auth_token_obtain",
    )
    def post(self, request):
        body = TokenObtainInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        limiter = FailedLoginLimiter(username, request.META.get("REMOTE_ADDR", "unknown"))
        wait = limiter.seconds_to_wait()
        if wait > 0:
            seconds = str(int(wait) + 1)
            raise ApplicationError(
                ErrorCode.THROTTLED,
                f"Too many failed sign-ins. Try again in {seconds} seconds.",
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": seconds},
            )
        user = authenticate(
            request=request._request, username=username, password=body.validated_data["password"]
        )
        if user is None:
            limiter.record_failure()
            raise ApplicationError(
                ErrorCode.VALIDATION_ERROR,
                "Unable to sign in with that username and password.",
                {"non_field_errors": ["Invalid credentials."]},
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
