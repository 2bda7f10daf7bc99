from django.urls import path

from . import views_integrations

app_name = "intake"
urlpatterns = [
    path("integrations/", views_integrations.integration_list, name="integration_list"),
    path("integrations/new/", views_integrations.integration_create, name="integration_create"),
    path("integrations/<int:pk>/", views_integrations.integration_detail, name="integration_detail"),
    path("integrations/<int:pk>/tokens/", views_integrations.token_issue, name="token_issue"),
    path(
        "integrations/<int:pk>/tokens/<int:token_id>/revoke/",
        views_integrations.token_revoke,
        name="token_revoke",
    ),
]
