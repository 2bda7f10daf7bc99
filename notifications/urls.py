from django.urls import path

from . import views, views_robots

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("robots/", views_robots.robot_list, name="robot_list"),
    path("robots/new/", views_robots.robot_create, name="robot_create"),
    path("robots/<int:pk>/", views_robots.robot_detail, name="robot_detail"),
    path("robots/<int:pk>/edit/", views_robots.robot_edit, name="robot_edit"),
    path("robots/<int:pk>/test/", views_robots.robot_test, name="robot_test"),
    path(
        "robots/<int:pk>/messages/<int:message_id>/resend/",
        views_robots.robot_message_resend,
        name="robot_message_resend",
    ),
]
