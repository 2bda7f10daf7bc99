"""``{% if user|sees_dashboard %}``: whether the navigation offers 管理驾驶舱 (reports.selectors.scope_for decides)."""

from django import template
from django.core.exceptions import PermissionDenied
from django.http import Http404

from reports.selectors import scope_for

register = template.Library()


@register.filter
def sees_dashboard(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        scope_for(user)
    except (Http404, PermissionDenied):
        return False
    return True
