"""The quality loop's routes on a feedback; feedback/urls.py appends them under app_name "feedback", so they are
reversed as ``feedback:<name>`` (e.g. ``feedback:verify``)."""

from django.urls import path

from . import views_lifecycle
from .views_lifecycle import ACTIONS

urlpatterns = [
    path(
        f"<str:number>/{name.replace('_', '-')}/",
        views_lifecycle.lifecycle_action,
        {"action": name},
        name=name,
    )
    for name in ACTIONS
]
urlpatterns += [
    path("<str:number>/lifecycle/", views_lifecycle.lifecycle_panel, name="lifecycle_panel"),
]
