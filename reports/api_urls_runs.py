from django.urls import path

from . import api_runs

urlpatterns = [
    path("reports/runs/", api_runs.ReportRunListCreateApi.as_view(), name="api-report-run-list"),
    path("reports/runs/<int:run_id>/", api_runs.ReportRunDetailApi.as_view(), name="api-report-run-detail"),
    path(
        "reports/runs/<int:run_id>/download/",
        api_runs.ReportRunDownloadApi.as_view(),
        name="api-report-run-download",
    ),
]
