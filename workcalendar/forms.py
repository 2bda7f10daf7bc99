import datetime as dt
import re
from collections import Counter

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .calendar import estimated_days
from .services import HolidayRange, MakeUpDay, year_entry_days

_DATE = r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日)"
_SEPARATOR = r"\s*(?:~|～|\.\.|至|到|—|–|\s-\s)\s*"
HOLIDAY_LINE = re.compile(rf"^{_DATE}(?:{_SEPARATOR}{_DATE})?(?:\s+(.*))?$")
MAKE_UP_LINE = re.compile(rf"^{_DATE}(?:\s+(.*))?$")


def parse_day(text: str, year: int) -> dt.date:
    """``2027-02-05``, ``2027/2/5``, ``2-5`` (in ``year``), ``2027年2月5日``, ``2月5日``."""
    numbers = [int(part) for part in re.findall(r"\d+", text)]
    if len(numbers) == 2:
        numbers = [year, *numbers]
    return dt.date(*numbers)


def _lines(text: str):
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


class DayOverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working = forms.TypedChoiceField(
        label=_("This day is"),
        choices=[("0", _("not worked (holiday)")), ("1", _("worked (make-up working day)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=64, required=False, help_text=_("e.g. 春节, 国庆节调休")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class YearEntryForm(forms.Form):
    holidays = forms.CharField(
        label=_("Holidays"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        help_text=_(
            "One holiday per line: a date or a range, then its name, e.g. “2027-01-01 元旦” or "
            "“2027-02-05 ~ 2027-02-13 春节”. Weekends inside a range may be included. Lines starting with # are "
            "ignored."
        ),
    )
    make_up_days = forms.CharField(
        label=_("Make-up working days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text=_(
            "One Saturday or Sunday that is worked per line, then its name, e.g. “2027-02-20 春节调休”."
        ),
    )
    note = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=200,
        help_text=_("e.g. the State Council notice: 国办发明电〔2026〕X号"),
    )

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def clean_holidays(self) -> list[HolidayRange]:
        ranges, errors = [], []
        for number, line in _lines(self.cleaned_data["holidays"]):
            match = HOLIDAY_LINE.match(line)
            try:
                if match is None:
                    raise ValueError
                first = parse_day(match.group(1), self.year)
                last = parse_day(match.group(2), self.year) if match.group(2) else first
            except ValueError:
                errors.append(
                    gettext(
                        "Holidays, line %(line)s: “%(text)s” is not a date or a range of dates followed by a name."
                    )
                    % {"line": number, "text": line}
                )
                continue
            ranges.append(HolidayRange(first, last, (match.group(3) or "").strip()[:64]))
        if errors:
            raise ValidationError(errors)
        if not ranges:
            raise ValidationError(gettext("Enter at least one holiday."))
        return ranges

    def clean_make_up_days(self) -> list[MakeUpDay]:
        days, errors = [], []
        for number, line in _lines(self.cleaned_data.get("make_up_days") or ""):
            match = MAKE_UP_LINE.match(line)
            try:
                if match is None:
                    raise ValueError
                day = parse_day(match.group(1), self.year)
            except ValueError:
                errors.append(
                    gettext(
                        "Make-up working days, line %(line)s: “%(text)s” is not a date followed by a name."
                    )
                    % {"line": number, "text": line}
                )
                continue
            days.append(MakeUpDay(day, (match.group(2) or "").strip()[:64]))
        if errors:
            raise ValidationError(errors)
        return days

    def clean(self):
        cleaned = super().clean()
        if "holidays" in cleaned and "make_up_days" in cleaned:
            try:
                self.days = year_entry_days(
                    year=self.year, holidays=cleaned["holidays"], make_up_days=cleaned["make_up_days"]
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return cleaned


def estimate_text(year: int) -> str:
    """The ``holidays`` package's estimate for ``year`` in the entry format: a starting point to correct."""
    runs: list[list] = []
    for day, info in sorted(estimated_days(year).items()):
        if runs and runs[-1][-1][0] + dt.timedelta(days=1) == day:
            runs[-1].append((day, info.name))
        else:
            runs.append([(day, info.name)])
    lines = [
        "# "
        + gettext(
            "Estimate for %(year)s (no make-up days): check every line against the State Council notice."
        )
        % {"year": year}
    ]
    for run in runs:
        names = Counter(re.sub(r"[（(].*?[)）]", "", name).strip() for _day, name in run)
        name = names.most_common(1)[0][0]
        first, last = run[0][0], run[-1][0]
        lines.append(
            f"{first:%Y-%m-%d} {name}" if first == last else f"{first:%Y-%m-%d} ~ {last:%Y-%m-%d} {name}"
        )
    return "\n".join(lines)


def entered_text(days) -> tuple[str, str]:
    """An entered year's holidays and make-up days back in the entry format (to correct a year)."""
    holidays: list[list] = []
    make_up: list[str] = []
    for day in days:
        if day.is_working:
            make_up.append(f"{day.date:%Y-%m-%d} {day.name}".strip())
        elif holidays and holidays[-1][1] + dt.timedelta(days=1) == day.date and holidays[-1][2] == day.name:
            holidays[-1][1] = day.date
        else:
            holidays.append([day.date, day.date, day.name])
    lines = [
        (
            f"{first:%Y-%m-%d} {name}" if first == last else f"{first:%Y-%m-%d} ~ {last:%Y-%m-%d} {name}"
        ).strip()
        for first, last, name in holidays
    ]
    return "\n".join(lines), "\n".join(make_up)
