"""Calibration report endpoints (API.md, Calibration): request, read, export."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.errors import ApplicationError
from core.idempotency import idempotent
from core.permissions import RolePermission
from core.roles import Role
from scoring.reports.exports import CHART_KINDS, report_chart, report_csv
from scoring.reports.models import CalibrationReport
from scoring.reports.selectors import calibration_report_list
from scoring.reports.serializers import (
    CalibrationReportListOutputSerializer,
    CalibrationReportOutputSerializer,
    CalibrationReportRequestInputSerializer,
)
from scoring.reports.services import CalibrationReportErrorCode, calibration_report_request

REPORT_ROLES = (Role.HIRING_MANAGER, Role.RECRUITER)
EXPORT_FORMATS = ("csv",)


class CalibrationReportAccess:
    permission_classes = [RolePermission]
    read_roles = REPORT_ROLES
    write_roles = REPORT_ROLES

    def get_queryset(self):
        """Reports the caller may read (a hiring manager: their own); others are a 404."""
        if getattr(self, "swagger_fake_view", False):
            return CalibrationReport.objects.none()
        reports = calibration_report_list(user=self.request.user)
        # The list shows no result; the detail and the exports need it.
        return (
            reports
            if self.request.method == "GET" and "pk" not in self.kwargs
            else reports.defer(None)
        )


class CalibrationReportListCreateApi(CalibrationReportAccess, generics.GenericAPIView):
    serializer_class = CalibrationReportListOutputSerializer

    @extend_schema(
        operation_id="calibration_reports_list",
        responses={200: CalibrationReportListOutputSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            CalibrationReportListOutputSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="calibration_reports_request",
        request=CalibrationReportRequestInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retry-safe key: the same key and body return the first response.",
            )
        ],
        responses={202: CalibrationReportOutputSerializer},
    )
    @idempotent
    def post(self, request):
        body = CalibrationReportRequestInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = calibration_report_request(
            requested_by=request.user, filters=body.stored_filters()
        )
        return Response(
            CalibrationReportOutputSerializer(report).data, status=status.HTTP_202_ACCEPTED
        )


class CalibrationReportDetailApi(CalibrationReportAccess, generics.GenericAPIView):
    serializer_class = CalibrationReportOutputSerializer

    @extend_schema(operation_id="calibration_reports_retrieve")
    def get(self, request, pk: int):
        return Response(CalibrationReportOutputSerializer(self.get_object()).data)


class JSONErrorsOnlyNegotiation(BaseContentNegotiation):
    """Exports answer CSV or PNG themselves; errors are JSON. Ignores DRF's `?format=` override,
    which this endpoint uses for the export format."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _succeeded_report(view: generics.GenericAPIView) -> CalibrationReport:
    report = view.get_object()
    if report.status != CalibrationReport.Status.SUCCEEDED:
        hint = (
            f"It failed: {report.error}"
            if report.status == CalibrationReport.Status.FAILED
            else f"Poll GET /api/v1/calibration-reports/{report.pk}/ until status is succeeded."
        )
        raise ApplicationError(
            CalibrationReportErrorCode.REPORT_NOT_READY,
            f"Report {report.pk} is {report.status}; exports exist once it has succeeded. {hint}",
            status_code=status.HTTP_409_CONFLICT,
        )
    return report


class CalibrationReportExportApi(CalibrationReportAccess, generics.GenericAPIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnlyNegotiation

    @extend_schema(
        operation_id="calibration_reports_export",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), default="csv")
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row per interviewer."
            ),
            400: OpenApiResponse(description="Unknown format."),
            409: OpenApiResponse(description="The report has not succeeded."),
        },
    )
    def get(self, request, pk: int):
        export_format = request.query_params.get("format", "csv")
        if export_format not in EXPORT_FORMATS:
            raise ApplicationError(
                CalibrationReportErrorCode.UNKNOWN_EXPORT_FORMAT,
                f"Unknown export format {export_format!r}; use format=csv "
                "(the chart is at chart.png).",
                {"format": [f"Use one of: {', '.join(EXPORT_FORMATS)}."]},
            )
        report = _succeeded_report(self)
        response = HttpResponse(report_csv(report.result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="calibration-report-{report.pk}.csv"'
        )
        return response


class CalibrationReportChartApi(CalibrationReportAccess, generics.GenericAPIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnlyNegotiation

    @extend_schema(
        operation_id="calibration_reports_chart",
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=list(CHART_KINDS),
                default="severity",
                description="severity: per interviewer with error bars; variance: shares of "
                "the variance components and the decision study; drift: severity per period of "
                "the drifting interviewers.",
            )
        ],
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The chart of the requested kind."
            ),
            400: OpenApiResponse(description="Unknown chart kind."),
            409: OpenApiResponse(description="The report has not succeeded."),
        },
    )
    def get(self, request, pk: int):
        kind = request.query_params.get("kind", "severity")
        if kind not in CHART_KINDS:
            raise ApplicationError(
                CalibrationReportErrorCode.UNKNOWN_CHART_KIND,
                f"Unknown chart kind {kind!r}; use kind={', kind='.join(CHART_KINDS)}.",
                {"kind": [f"Use one of: {', '.join(CHART_KINDS)}."]},
            )
        report = _succeeded_report(self)
        return HttpResponse(report_chart(report.result, kind), content_type="image/png")
