"""Every API route, one list. Each app contributes its own ``api.py`` views."""

from django.urls import include, path

urlpatterns = [
    path("", include("feedback.api_urls")),
    path("intake/", include("intake.api_urls")),
    path("reports/", include("reports.api_urls")),
    path("", include("reports.api_urls_runs")),
]
