"""The project's URL conf plus one view nobody declared (tests/permissions/test_matrix_complete.py)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("brand-new/", lambda request: HttpResponse("new"), name="brand-new"),
]
