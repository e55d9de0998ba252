"""Candidate export and erasure (API.md additions, Candidate data protection)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import RolePermission
from core.roles import Role
from privacy import selectors, services
from privacy.serializers import CandidateEraseInputSerializer, CandidateEraseOutputSerializer


class CandidateExportApi(APIView):
    """Everything held about the candidate (admins and recruiters)."""

    permission_classes = [RolePermission]
    read_roles = (Role.RECRUITER,)

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="{exported_at, candidate, loops: [{sessions, scorecards: "
                "[{ratings, revisions}]}], audit} (docs/PRIVACY.md).",
            )
        }
    )
    def get(self, request, pk: int):
        return Response(selectors.candidate_export(candidate_id=pk))


class CandidateEraseApi(APIView):
    """Pseudonymise the candidate and erase every free text about them (admins)."""

    permission_classes = [RolePermission]
    write_roles = ()

    @extend_schema(
        request=CandidateEraseInputSerializer, responses={200: CandidateEraseOutputSerializer}
    )
    def post(self, request, pk: int):
        serializer = CandidateEraseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        candidate = services.candidate_erase(
            actor=request.user, candidate_id=pk, reason=serializer.validated_data["reason"]
        )
        return Response(CandidateEraseOutputSerializer(candidate).data)
