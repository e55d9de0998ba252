from django.urls import path  # noqa: F401

from scoring.reports import apis as report_apis
from scoring.scorecards import apis as scorecard_apis

urlpatterns: list = [
    # --- scorecards (scoring/scorecards/apis.py) ---
    path("scorecards/", scorecard_apis.ScorecardListCreateApi.as_view(), name="scorecard-list"),
    path(
        "scorecards/<int:pk>/",
        scorecard_apis.ScorecardDetailApi.as_view(),
        name="scorecard-detail",
    ),
    path(
        "scorecards/<int:pk>/submit/",
        scorecard_apis.ScorecardSubmitApi.as_view(),
        name="scorecard-submit",
    ),
    path(
        "scorecards/<int:pk>/amend/",
        scorecard_apis.ScorecardAmendApi.as_view(),
        name="scorecard-amend",
    ),
    path(
        "scorecards/<int:pk>/history/",
        scorecard_apis.ScorecardHistoryApi.as_view(),
        name="scorecard-history",
    ),
    # --- calibration reports (scoring/reports/apis.py) ---
    path(
        "calibration-reports/",
        report_apis.CalibrationReportListCreateApi.as_view(),
        name="calibration-report-list",
    ),
    path(
        "calibration-reports/<int:pk>/",
        report_apis.CalibrationReportDetailApi.as_view(),
        name="calibration-report-detail",
    ),
    path(
        "calibration-reports/<int:pk>/export/",
        report_apis.CalibrationReportExportApi.as_view(),
        name="calibration-report-export",
    ),
    path(
        "calibration-reports/<int:pk>/chart.png",
        report_apis.CalibrationReportChartApi.as_view(),
        name="calibration-report-chart",
    ),
]
