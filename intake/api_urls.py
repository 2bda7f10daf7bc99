from django.urls import path

from . import api

urlpatterns = [
    path("feedback/", api.IntakeFeedbackListCreateApi.as_view(), name="api-intake-feedback-list"),
    path("feedback/<str:number>/", api.IntakeFeedbackDetailApi.as_view(), name="api-intake-feedback-detail"),
]
