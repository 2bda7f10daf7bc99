from django.urls import path

from . import views_runs

app_name = "reports_runs"
urlpatterns = [
    path("", views_runs.run_list, name="list"),
    path("<int:pk>/", views_runs.run_row, name="row"),
    path("<int:pk>/download/", views_runs.run_download, name="download"),
    path("<int:pk>/retry/", views_runs.run_retry, name="retry"),
]
