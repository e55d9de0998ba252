"""Scorecard endpoints (API.md, Scoring): validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import ApplicationError, ErrorCode
from core.idempotency import idempotent
from scoring.scorecards.filters import ScorecardFilter
from scoring.scorecards.models import Scorecard
from scoring.scorecards.selectors import (
    scorecard_list,
    scorecard_revision_list,
    scorecard_visible_get,
)
from scoring.scorecards.serializers import (
    ScorecardAmendInputSerializer,
    ScorecardCreateInputSerializer,
    ScorecardOutputSerializer,
    ScorecardRevisionOutputSerializer,
    ScorecardUpdateInputSerializer,
)
from scoring.scorecards.services import (
    scorecard_amend,
    scorecard_create,
    scorecard_submit,
    scorecard_update,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying with the same key and body returns the first response and changes "
    "nothing; the same key with another body is a 409.",
)


def _error(description: str) -> OpenApiResponse:
    """An error response in the API's one shape (core/schema.py adds its `Error` schema)."""
    return OpenApiResponse(description=description)


NOT_VISIBLE = _error(
    "No such scorecard, or one you may not see (another's draft, a peer's card "
    "before you submitted yours)."
)


def _visible_or_404(*, request: Request, pk: int) -> Scorecard:
    scorecard = scorecard_visible_get(user=request.user, scorecard_id=pk)
    if scorecard is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, f"No scorecard {pk} that you can see.", status_code=404
        )
    return scorecard


def _changes(validated: dict[str, Any]) -> dict[str, Any]:
    """Fields the client sent; an explicit null recommendation clears it."""
    changes: dict[str, Any] = {}
    if "overall_recommendation" in validated:
        changes["overall_recommendation"] = validated["overall_recommendation"] or ""
    for name in ("summary", "ratings"):
        if name in validated:
            changes[name] = validated[name]
    return changes


class ScorecardListCreateApi(generics.GenericAPIView):
    """Scorecards you may read (blind feedback applies); write your own for a session."""

    permission_classes = [IsAuthenticated]
    serializer_class = ScorecardOutputSerializer
    filterset_class = ScorecardFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Scorecard.objects.none()
        return scorecard_list(user=self.request.user)

    @extend_schema(
        operation_id="scorecards_list",
        responses={200: ScorecardOutputSerializer(many=True)},
        description="Your own scorecards, drafts included, and the submitted scorecards you may "
        "read: all of them for hiring managers, recruiters and admins; for an interviewer, "
        "those of the loops where they have submitted their own.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ScorecardOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="scorecards_create",
        description="Write your scorecard for a session you interview in: a draft, or with "
        "`submit: true` submitted at once. When it is the loop's last scorecard, the loop "
        "becomes completed.",
        request=ScorecardCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: ScorecardOutputSerializer,
            400: _error("Invalid input, unknown session, or an incomplete scorecard on submit."),
            403: _error("You are not an interviewer of the session."),
            409: _error(
                "You already have a scorecard for the session, the loop is not scheduled, its "
                "candidate was erased, or the Idempotency-Key was used with another body."
            ),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = ScorecardCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        scorecard = scorecard_create(
            interviewer=request.user,
            session_id=fields["session"],
            overall_recommendation=fields.get("overall_recommendation") or "",
            summary=fields.get("summary", ""),
            ratings=fields.get("ratings", []),
            submit=fields["submit"],
        )
        return Response(ScorecardOutputSerializer(scorecard).data, status=status.HTTP_201_CREATED)


class ScorecardDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Scorecard.objects.none()  # types the {pk} path parameter in the schema
    serializer_class = ScorecardOutputSerializer

    @extend_schema(
        operation_id="scorecards_retrieve",
        responses={200: ScorecardOutputSerializer, 404: NOT_VISIBLE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ScorecardOutputSerializer(_visible_or_404(request=request, pk=pk)).data)

    @extend_schema(
        operation_id="scorecards_partial_update",
        request=ScorecardUpdateInputSerializer,
        responses={
            200: ScorecardOutputSerializer,
            400: _error("Invalid input."),
            403: _error("Only the author changes a scorecard."),
            404: NOT_VISIBLE,
            409: _error(
                "The scorecard was submitted (amend it instead), the loop is not scheduled, or "
                "its candidate was erased."
            ),
        },
        description="Change your draft. Fields you leave out stay as they are; `ratings` "
        "replaces all of the draft's ratings.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        body = ScorecardUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scorecard_update(user=request.user, scorecard_id=pk, **_changes(body.validated_data))
        return Response(ScorecardOutputSerializer(_visible_or_404(request=request, pk=pk)).data)


class ScorecardSubmitApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Scorecard.objects.none()  # types the {pk} path parameter in the schema
    serializer_class = ScorecardOutputSerializer

    @extend_schema(
        operation_id="scorecards_submit",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: ScorecardOutputSerializer,
            400: _error("A criterion is not rated or the recommendation is missing."),
            403: _error("Only the author submits a scorecard."),
            404: NOT_VISIBLE,
            409: _error(
                "Already submitted, the loop is not scheduled, or its candidate was erased."
            ),
        },
        description="Submit your draft. When this is the last scorecard of the loop, the loop "
        "becomes completed.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        scorecard_submit(user=request.user, scorecard_id=pk)
        return Response(ScorecardOutputSerializer(_visible_or_404(request=request, pk=pk)).data)


class ScorecardAmendApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Scorecard.objects.none()  # types the {pk} path parameter in the schema
    serializer_class = ScorecardOutputSerializer

    @extend_schema(
        operation_id="scorecards_amend",
        request=ScorecardAmendInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: ScorecardOutputSerializer,
            400: _error("Invalid input, or the amendment changes nothing."),
            403: _error("Only the author (or an admin) amends a scorecard."),
            404: NOT_VISIBLE,
            409: _error(
                "The scorecard is still a draft, or the loop was cancelled or decided "
                "(`loop_decided`)."
            ),
        },
        description="Change a submitted scorecard with a reason. What it said before is kept "
        "in its history and `revision` goes up by one. `ratings`, when sent, replaces every "
        "rating and must still rate every active criterion. Refused once the loop is decided. "
        "The calibration statistics keep reading the first submission.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        body = ScorecardAmendInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scorecard_amend(
            user=request.user,
            scorecard_id=pk,
            reason=body.validated_data["reason"],
            **_changes(body.validated_data),
        )
        return Response(ScorecardOutputSerializer(_visible_or_404(request=request, pk=pk)).data)


class ScorecardHistoryApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Scorecard.objects.none()  # types the {pk} path parameter in the schema
    serializer_class = ScorecardRevisionOutputSerializer

    @extend_schema(
        operation_id="scorecards_history",
        responses={200: ScorecardRevisionOutputSerializer(many=True), 404: NOT_VISIBLE},
        description="The amendments of a scorecard, oldest first: who, when, why, and what it "
        "said before.",
    )
    def get(self, request: Request, pk: int) -> Response:
        scorecard = _visible_or_404(request=request, pk=pk)
        page = self.paginate_queryset(scorecard_revision_list(scorecard=scorecard))
        return self.get_paginated_response(ScorecardRevisionOutputSerializer(page, many=True).data)
