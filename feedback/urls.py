from django.urls import path

from . import views
from .urls_lifecycle import urlpatterns as lifecycle_urlpatterns

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("new/", views.feedback_create, name="create"),
    path("<str:number>/", views.feedback_detail, name="detail"),
    path("<str:number>/edit/", views.feedback_edit, name="edit"),
    path("<str:number>/void/", views.feedback_void, name="void"),
    path("<str:number>/files/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
]

urlpatterns += lifecycle_urlpatterns
