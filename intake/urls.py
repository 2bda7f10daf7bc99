from django.urls import path

from . import views_import, views_inbox, views_integrations

app_name = "intake"
urlpatterns = [
    path("inbox/", views_inbox.inbox_page, name="inbox"),
    path("inbox/<str:number>/take/", views_inbox.draft_take, name="draft_take"),
    path("mailbox/<int:pk>/raw/", views_inbox.mail_raw, name="mail_raw"),
    path("mailbox/<int:pk>/handled/", views_inbox.mail_mark_handled, name="mail_handled"),
    path("import/", views_import.import_home, name="import_home"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<int:pk>/", views_import.import_batch, name="import_batch"),
    path("import/<int:pk>/start/", views_import.import_start, name="import_start"),
    path("import/<int:pk>/cancel/", views_import.import_cancel, name="import_cancel"),
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
