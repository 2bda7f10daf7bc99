"""The quality loop's routes on a feedback. config/urls.py puts them under the namespace "feedback" after
feedback/urls.py (whose ``new/`` must be tried before ``<number>/``), so that they are reversed as
``feedback:<name>`` (e.g. ``feedback:verify``)."""

from django.urls import path

from . import views_detail, views_lifecycle, views_similar
from .views_lifecycle import ACTIONS

feedback_urlpatterns = [
    path("similar/", views_similar.similar_for_form, name="similar_form"),
    path("<str:number>/", views_detail.feedback_detail, name="detail"),
    path("<str:number>/similar/", views_similar.similar_for_feedback, name="similar"),
    path("<str:number>/similar/duplicate/", views_similar.similar_mark_duplicate, name="similar_duplicate"),
    path("<str:number>/similar/capa/", views_similar.similar_join_capa, name="similar_capa"),
]
feedback_urlpatterns += [
    path(
        f"<str:number>/{name.replace('_', '-')}/",
        views_lifecycle.lifecycle_action,
        {"action": name},
        name=name,
    )
    for name in ACTIONS
]
feedback_urlpatterns += [
    path("<str:number>/lifecycle/", views_lifecycle.lifecycle_panel, name="lifecycle_panel"),
]
