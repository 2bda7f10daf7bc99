"""Notices about the working-day calendar itself (the calendar sits below the notices and cannot send them)."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import users_with_role
from workcalendar.services import next_year_missing

from .services import notify


def next_year_missing_notify(today: dt.date | None = None) -> int | None:
    """In December, tell every administrator once that next year's schedule has to be entered."""
    year = next_year_missing(today)
    if year is None:
        return None
    administrators = {
        *users_with_role(Role.ADMINISTRATOR),
        *User.objects.filter(is_superuser=True, is_active=True),
    }
    return notify(
        recipients=sorted(administrators, key=lambda user: user.pk),
        kind="calendar.next_year_missing",
        subject=gettext_lazy("Enter the %(year)s working-day calendar"),
        body=gettext_lazy(
            "The working-day calendar has no schedule for %(year)s yet. Deadlines that run into %(year)s are "
            "estimated and marked provisional until an administrator enters the holidays and make-up working days "
            "published by the State Council."
        ),
        params={"year": year},
        url=reverse("workcalendar:year_of", kwargs={"year": year}),
        dedup_key=f"calendar:missing:{year}",
    )
