from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from feedback import urls as feedback_urls
from quality_loop.urls import feedback_urlpatterns as loop_feedback_urlpatterns
from quality_loop.views_workspace import home as workspace_home

# Swagger UI adds <style> elements and style attributes: its page alone allows inline styles (no inline script).
SWAGGER_CSP = csp_replace({"style-src": ["'self'", "'unsafe-inline'"]})

urlpatterns = [
    path("", workspace_home, name="home"),  # each role's workspace
    path("", include("accounts.urls")),
    # one namespace for every page of a feedback: registration first (``new/`` before the loop's ``<number>/``)
    path("feedback/", include((feedback_urls.urlpatterns + loop_feedback_urlpatterns, "feedback"))),
    path("capa/", include("corrective_actions.urls")),
    path("notifications/", include("notifications.urls")),
    path("intake/", include("intake.urls")),
    path("calendar/", include("workcalendar.urls")),
    path("reports/runs/", include("reports.urls_runs")),
    path("reports/", include("reports.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its JavaScript as a file (no inline script: Content-Security-Policy)
    path(
        "api/docs/",
        login_required(SWAGGER_CSP(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))),
        name="api-docs",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
]

handler404 = "config.errors.page_not_found"

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER
