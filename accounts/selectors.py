"""Who holds a role: the one place that turns roles (groups) and departments into people to tell or choose."""

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import User
from .roles import Role


def users_with_role(*roles: Role | str, department_id: int | None = None) -> QuerySet[User]:
    """Active users holding any of ``roles`` (in ``department_id`` when given)."""
    qs = User.objects.filter(is_active=True, groups__name__in=[str(r) for r in roles])
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs.distinct()


def department_heads(department_ids: Iterable[int]) -> list[User]:
    return list(users_with_role(Role.DEPT_HEAD).filter(department_id__in=set(department_ids)).order_by("id"))
