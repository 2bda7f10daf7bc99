"""Reading notifications: a user only ever sees their own."""

from django.db.models import QuerySet

from .models import Notification


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count_for(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
