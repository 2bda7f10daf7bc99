from django.urls import path

from . import views, views_similar
from .urls_lifecycle import urlpatterns as lifecycle_urlpatterns

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("new/", views.feedback_create, name="create"),
    path("similar/", views_similar.similar_for_form, name="similar_form"),
    path("<str:number>/", views.feedback_detail, name="detail"),
    path("<str:number>/edit/", views.feedback_edit, name="edit"),
    path("<str:number>/void/", views.feedback_void, name="void"),
    path("<str:number>/files/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("<str:number>/similar/", views_similar.similar_for_feedback, name="similar"),
    path("<str:number>/similar/duplicate/", views_similar.similar_mark_duplicate, name="similar_duplicate"),
    path("<str:number>/similar/capa/", views_similar.similar_join_capa, name="similar_capa"),
]

urlpatterns += lifecycle_urlpatterns
