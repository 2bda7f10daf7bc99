"""The calendar page: administrators see any year's holidays and make-up days, override a day, enter a year.
Anyone else gets a 404 (not found and not allowed look the same)."""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import month_grid
from .calendar import OFFICIAL_YEARS, BasisDay, Source, WorkCalendar, YearSource, get_calendar
from .forms import DayOverrideForm, YearEntryForm, entered_text, estimate_text
from .models import CalendarDay
from .services import (
    calendar_day_clear,
    calendar_day_set,
    calendar_year_enter,
    entered_year,
    next_year_missing,
)

FIRST_YEAR, LAST_YEAR = 2004, 2100


def calendar_admin_required(permission: str = "workcalendar.change_calendarday"):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


def _entries_of(year: int) -> dict[dt.date, CalendarDay]:
    return {
        entry.date: entry
        for entry in CalendarDay.objects.filter(date__year=year).select_related("updated_by").order_by("date")
    }


def _year_context(
    request,
    year: int,
    day_form: DayOverrideForm,
    selected: dt.date | None = None,
    *,
    calendar: WorkCalendar | None = None,
    entries: dict[dt.date, CalendarDay] | None = None,
) -> dict:
    calendar = calendar or get_calendar()
    entries = _entries_of(year) if entries is None else entries
    days = calendar.days_of_year(year)
    special = [day for day in days if day.source != Source.REGULAR]
    return {
        "year": year,
        "years": sorted({*range(timezone.localdate().year - 2, timezone.localdate().year + 3), year}),
        "year_source": calendar.year_source(year),
        "YearSource": YearSource,
        "entered": entered_year(year),
        "is_official_year": year in OFFICIAL_YEARS,
        "months": month_grid.months(year, {day.date: day for day in days}, entries, timezone.localdate()),
        "day_url": reverse("workcalendar:day"),
        "holiday_count": sum(1 for day in special if not day.is_working and day.date.weekday() < 5),
        "make_up_count": sum(1 for day in special if day.is_working and day.date.weekday() >= 5),
        "entries": list(entries.values()),
        "special_runs": _runs(special),
        "missing_year": next_year_missing(),
        "day_form": day_form,
        "info": calendar.day(selected) if selected else None,
        "entry": entries.get(selected) if selected and selected.year == year else None,
        "can_enter_year": request.user.has_perm("workcalendar.add_calendarday"),
    }


def _runs(days: list) -> list[dict]:
    """Consecutive special days with the same status, name and source, as one line (1–8 October: National Day)."""
    runs: list[dict] = []
    for day in days:
        last = runs[-1] if runs else None
        if (
            last
            and last["last"].date + dt.timedelta(days=1) == day.date
            and (last["last"].is_working, last["last"].name, last["last"].source)
            == (day.is_working, day.name, day.source)
        ):
            last["last"] = day
            last["count"] += 1
        else:
            runs.append({"first": day, "last": day, "count": 1})
    return runs


def _day_initial(date: dt.date, day: BasisDay, entry: CalendarDay | None) -> dict:
    """The override form for ``date``, filled with its status now and the administrator's entry if any."""
    return {
        "date": date,
        "is_working": "1" if day.is_working else "0",
        "name": entry.name if entry else day.name,
        "note": entry.note if entry else "",
    }


@calendar_admin_required()
@require_http_methods(["GET", "POST"])
def year_view(request, year: int | None = None):
    year = _check_year(year or timezone.localdate().year)
    if request.method == "POST":
        form = DayOverrideForm(request.POST)
        if form.is_valid():
            date = form.cleaned_data["date"]
            if "clear" in request.POST:
                if calendar_day_clear(date=date, actor=request.user):
                    messages.success(
                        request,
                        _(
                            "%(date)s follows the official calendar again. Running deadlines are being recomputed."
                        )
                        % {"date": date},
                    )
                else:
                    messages.info(request, _("%(date)s had no administrator entry.") % {"date": date})
            else:
                try:
                    calendar_day_set(
                        date=date,
                        is_working=form.cleaned_data["is_working"],
                        name=form.cleaned_data["name"],
                        note=form.cleaned_data["note"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    state = _("worked") if form.cleaned_data["is_working"] else _("not worked")
                    messages.success(
                        request,
                        _("%(date)s is now %(state)s. Running deadlines are being recomputed.")
                        % {"date": date, "state": state},
                    )
            if not form.errors:
                url = reverse("workcalendar:year_of", kwargs={"year": date.year})
                return redirect(f"{url}?day={date:%Y-%m-%d}#day-panel")
        return render(request, "workcalendar/year.html", _year_context(request, year, form), status=400)
    calendar, entries = get_calendar(), _entries_of(year)
    initial, selected = {"is_working": "0"}, None
    try:
        selected = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        pass
    else:
        if selected.year == year:
            entry = entries.get(selected)
        else:
            entry = CalendarDay.objects.filter(date=selected).first()
        initial = _day_initial(selected, calendar.day(selected), entry)
    context = _year_context(
        request, year, DayOverrideForm(initial=initial), selected, calendar=calendar, entries=entries
    )
    return render(request, "workcalendar/year.html", context)


@calendar_admin_required()
@require_GET
def day_panel(request):
    """The override form for one day (htmx: clicking a day on the page)."""
    try:
        date = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        raise Http404 from None
    _check_year(date.year)
    info = get_calendar().day(date)
    entry = CalendarDay.objects.select_related("updated_by").filter(date=date).first()
    form = DayOverrideForm(initial=_day_initial(date, info, entry))
    return render(
        request,
        "workcalendar/_day_panel.html",
        {"day_form": form, "entry": entry, "info": info, "year": date.year},
    )


@calendar_admin_required("workcalendar.add_calendarday")
@require_http_methods(["GET", "POST"])
def enter_year(request, year: int):
    year = _check_year(year)
    if year in OFFICIAL_YEARS:
        messages.info(
            request, _("%(year)s is in the official calendar; override single days instead.") % {"year": year}
        )
        return redirect("workcalendar:year_of", year=year)
    existing = entered_year(year)
    if request.method == "POST":
        form = YearEntryForm(request.POST, year=year)
        if form.is_valid():
            try:
                calendar_year_enter(
                    year=year,
                    holidays=form.cleaned_data["holidays"],
                    make_up_days=form.cleaned_data["make_up_days"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                holidays = sum(1 for worked, _name in form.days.values() if not worked)
                make_up = sum(1 for worked, _name in form.days.values() if worked)
                messages.success(
                    request,
                    _(
                        "%(year)s is entered: %(holidays)s days off and %(make_up)s make-up working days. "
                        "Running deadlines are being recomputed and are no longer provisional."
                    )
                    % {"year": year, "holidays": holidays, "make_up": make_up},
                )
                return redirect("workcalendar:year_of", year=year)
        status = 400
    else:
        if existing is not None:
            holidays, make_up = entered_text(CalendarDay.objects.filter(date__year=year).order_by("date"))
            form = YearEntryForm(
                initial={"holidays": holidays, "make_up_days": make_up, "note": existing.note}, year=year
            )
        else:
            form = YearEntryForm(initial={"holidays": estimate_text(year)}, year=year)
        status = 200
    return render(
        request,
        "workcalendar/enter_year.html",
        {"form": form, "year": year, "entered": existing},
        status=status,
    )
