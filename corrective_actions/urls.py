from django.urls import path

from . import views, views_steps

app_name = "corrective_actions"
urlpatterns = [
    path("", views.capa_list_view, name="list"),
    path("new/<str:feedback_number>/", views.capa_create_view, name="create"),
    path("<str:number>/", views.capa_detail_view, name="detail"),
    path("<str:number>/edit/", views.capa_edit_view, name="edit"),
    path("<str:number>/measures/add/", views.measure_add_view, name="measure_add"),
    path("<str:number>/measures/<int:measure_id>/edit/", views.measure_edit_view, name="measure_edit"),
    path(
        "<str:number>/measures/<int:measure_id>/progress/",
        views.measure_progress_view,
        name="measure_progress",
    ),
    path(
        "<str:number>/measures/<int:measure_id>/withdraw/",
        views.measure_withdraw_view,
        name="measure_withdraw",
    ),
    path("<str:number>/submit/", views_steps.capa_submit_view, name="submit"),
    path("<str:number>/review/", views_steps.capa_review_view, name="review"),
    path("<str:number>/effect/", views_steps.effect_verification_view, name="effect"),
    path("<str:number>/link/", views_steps.capa_link_view, name="link"),
    path("<str:number>/files/<uuid:file_id>/", views_steps.attachment_download_view, name="attachment"),
]
