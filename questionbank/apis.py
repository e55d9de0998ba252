from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.idempotency import idempotent
from core.permissions import RolePermission
from core.roles import Role
from questionbank.filters import QuestionFilter
from questionbank.selectors import (
    competency_list,
    level_list,
    question_bank_export,
    question_list,
)
from questionbank.serializers import (
    CompetencyInputSerializer,
    CompetencyOutputSerializer,
    LevelInputSerializer,
    LevelOutputSerializer,
    QuestionBankExportOutputSerializer,
    QuestionBankImportInputSerializer,
    QuestionBankImportOutputSerializer,
    QuestionCreateInputSerializer,
    QuestionOutputSerializer,
    QuestionUpdateInputSerializer,
)
from questionbank.services import (
    competency_create,
    level_create,
    question_bank_import,
    question_create,
    question_update,
)

ALL_ROLES = (Role.HIRING_MANAGER, Role.INTERVIEWER, Role.RECRUITER)


class BankPermissionMixin:
    """Every role reads the bank; hiring managers and admins write it (API.md)."""

    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    write_roles = (Role.HIRING_MANAGER,)


class LevelListCreateApi(BankPermissionMixin, generics.GenericAPIView):
    serializer_class = LevelOutputSerializer

    def get_queryset(self):
        return level_list()

    @extend_schema(responses={200: LevelOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(LevelOutputSerializer(page, many=True).data)

    @extend_schema(request=LevelInputSerializer, responses={201: LevelOutputSerializer})
    def post(self, request):
        body = LevelInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        level = level_create(**body.validated_data)
        level = level_list().get(pk=level.pk)
        return Response(LevelOutputSerializer(level).data, status=status.HTTP_201_CREATED)


class CompetencyListCreateApi(BankPermissionMixin, generics.GenericAPIView):
    serializer_class = CompetencyOutputSerializer

    def get_queryset(self):
        return competency_list()

    @extend_schema(responses={200: CompetencyOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CompetencyOutputSerializer(page, many=True).data)

    @extend_schema(request=CompetencyInputSerializer, responses={201: CompetencyOutputSerializer})
    def post(self, request):
        body = CompetencyInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        competency = competency_create(**body.validated_data)
        competency = competency_list().get(pk=competency.pk)
        return Response(CompetencyOutputSerializer(competency).data, status=201)


class QuestionListCreateApi(BankPermissionMixin, generics.GenericAPIView):
    serializer_class = QuestionOutputSerializer
    filterset_class = QuestionFilter

    def get_queryset(self):
        return question_list()

    @extend_schema(responses={200: QuestionOutputSerializer(many=True)})
    def get(self, request):
        questions = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(questions)
        return self.get_paginated_response(QuestionOutputSerializer(page, many=True).data)

    @extend_schema(request=QuestionCreateInputSerializer, responses={201: QuestionOutputSerializer})
    def post(self, request):
        body = QuestionCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        question = question_create(actor=request.user, **body.validated_data)
        question = question_list().get(pk=question.pk)
        return Response(QuestionOutputSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(BankPermissionMixin, generics.GenericAPIView):
    serializer_class = QuestionOutputSerializer

    def get_queryset(self):
        return question_list()

    @extend_schema(responses={200: QuestionOutputSerializer})
    def get(self, request, pk: int):
        return Response(QuestionOutputSerializer(self.get_object()).data)

    @extend_schema(request=QuestionUpdateInputSerializer, responses={200: QuestionOutputSerializer})
    def patch(self, request, pk: int):
        question = self.get_object()
        body = QuestionUpdateInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        question_update(actor=request.user, question=question, **body.validated_data)
        return Response(QuestionOutputSerializer(question_list().get(pk=question.pk)).data)


class BankFilePermissionMixin:
    """The bank as a file is for those who write the bank: hiring managers and admins."""

    permission_classes = [RolePermission]
    read_roles = (Role.HIRING_MANAGER,)
    write_roles = (Role.HIRING_MANAGER,)


class QuestionBankExportApi(BankFilePermissionMixin, generics.GenericAPIView):
    serializer_class = QuestionBankExportOutputSerializer
    pagination_class = None

    @extend_schema(
        operation_id="questions_export",
        responses={200: QuestionBankExportOutputSerializer},
        description="The whole bank as one file (levels, competencies, every question with its "
        "active rubric, by slug), the format POST /questions/import/ reads.",
    )
    def get(self, request):
        return Response(QuestionBankExportOutputSerializer(question_bank_export()).data)


class QuestionBankImportApi(BankFilePermissionMixin, generics.GenericAPIView):
    serializer_class = QuestionBankImportOutputSerializer

    @extend_schema(
        operation_id="questions_import",
        request=QuestionBankImportInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retry-safe key: the same key and body return the first response.",
            )
        ],
        responses={200: QuestionBankImportOutputSerializer},
        description="Import a bank file by slug, all or nothing: one invalid question refuses "
        "the whole file, with every error named by its place (`questions.3.rubric.0.text`). "
        "Importing the same file twice changes nothing; a changed rubric of a scored question "
        "retires the scored criteria as PATCH does.",
    )
    @idempotent
    def post(self, request):
        body = QuestionBankImportInputSerializer.for_document(request.data)
        body.is_valid(raise_exception=True)
        bank = {k: v for k, v in body.validated_data.items() if k != "version"}
        result = question_bank_import(actor=request.user, **bank)
        return Response(QuestionBankImportOutputSerializer(result).data)
