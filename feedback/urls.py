"""Registration and the record itself. The quality loop's routes on a feedback (quality_loop/urls.py) join these
under the same namespace in config/urls.py, so that every page of one feedback is reversed as ``feedback:<name>``."""

from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("new/", views.feedback_create, name="create"),
    path("<str:number>/edit/", views.feedback_edit, name="edit"),
    path("<str:number>/void/", views.feedback_void, name="void"),
    path("<str:number>/files/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
]
