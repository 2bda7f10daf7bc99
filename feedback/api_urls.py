from django.urls import path

from . import api

urlpatterns = [
    path("feedback/", api.FeedbackListCreateApi.as_view(), name="api-feedback-list"),
    path("feedback/<str:number>/", api.FeedbackDetailApi.as_view(), name="api-feedback-detail"),
]
