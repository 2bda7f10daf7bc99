"""``{% load report_runs_tags %}{% if user|uses_reports %}…{% endif %}``: whether to show the 报表中心 link."""

from django import template

from reports.services import can_use_reports

register = template.Library()


@register.filter
def uses_reports(user) -> bool:
    return can_use_reports(user)
