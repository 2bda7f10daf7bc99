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


# --- group-chat robots ------------------------------------------------------------------------------------------
def can_manage_robots(user) -> bool:
    """Only an administrator adds robots and routes notices to them."""
    from accounts.roles import Role

    return (
        user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))
    )


def robots_with_delivery():
    """Every robot with how many of its messages wait, failed for good, or were sent."""
    from django.db.models import Count, Q

    from .models import Robot

    return (
        Robot.objects.annotate(
            waiting=Count(
                "messages", filter=Q(messages__sent_at__isnull=True, messages__due_at__isnull=False)
            ),
            failed=Count("messages", filter=Q(messages__sent_at__isnull=True, messages__due_at__isnull=True)),
            sent=Count("messages", filter=Q(messages__sent_at__isnull=False)),
        )
        .prefetch_related("rules__department")
        .order_by("name", "id")
    )


def robot_messages(robot, *, limit: int = 30):
    return list(robot.messages.order_by("-created_at", "-id")[:limit])
