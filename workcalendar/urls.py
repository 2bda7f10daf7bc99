from django.urls import path

from . import views

app_name = "workcalendar"
urlpatterns = [
    path("", views.year_view, name="year"),
    path("<int:year>/", views.year_view, name="year_of"),
    path("day/", views.day_panel, name="day"),
    path("<int:year>/enter/", views.enter_year, name="enter_year"),
]
