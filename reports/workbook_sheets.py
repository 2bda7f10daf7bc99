"""The analysis workbook's summary and figure sheets (reports/workbook.py builds the workbook): styles, the
streaming sheet helper, and one function per sheet, each writing what a reports.selectors figure returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from . import selectors
from .periods import Period

DASH = "—"
PERCENT = "0.0%"
DECIMAL = "0.0"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
TITLE_FONT = Font(bold=True, size=16)
SUBTITLE_FONT = Font(bold=True, size=12)
ROWS_PROGRESS_EVERY = 2000

Progress = Callable[[int], None]


def _no_progress(percent: int) -> None:
    return None


def _local(value):
    """openpyxl writes no time zones: an aware datetime becomes the local (Asia/Shanghai) wall time."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Sheet:
    """A write-only sheet and the number of the last row written (charts and filters need row numbers)."""

    def __init__(self, wb: Workbook, title: str, widths: list[float], *, freeze: str | None = None):
        self.ws = wb.create_sheet(title)
        self.row = 0
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        setup = self.ws.page_setup
        setup.orientation = "landscape"
        setup.paperSize = "9"  # A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.ws.print_options.horizontalCentered = True

    def cell(self, value, *, fmt: str | None = None, font: Font | None = None, fill=None, wrap=False):
        cell = WriteOnlyCell(self.ws, value=value)
        if fmt:
            cell.number_format = fmt
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def append(self, values) -> int:
        self.ws.append(values)
        self.row += 1
        return self.row

    def blank(self) -> int:
        return self.append([])

    def title(self, text: str) -> int:
        return self.append([self.cell(text, font=SUBTITLE_FONT)])

    def header(self, titles: list[str]) -> int:
        return self.append([self.cell(t, font=HEADER_FONT, fill=HEADER_FILL, wrap=True) for t in titles])

    def rate(self, value):
        return DASH if value is None else self.cell(value, fmt=PERCENT)

    def decimal(self, value):
        return DASH if value is None else self.cell(value, fmt=DECIMAL)

    def no_data(self) -> int:
        return self.append([_("No data")])


def _style_chart(chart, title: str, *, width: float = 16, height: float = 8) -> None:
    chart.title = title
    chart.width, chart.height = width, height
    for axis in (getattr(chart, "x_axis", None), getattr(chart, "y_axis", None)):
        if axis is not None:
            axis.delete = False


def _count_share_table(sheet: _Sheet, figure: dict, first_title: str) -> tuple[int, int]:
    """Label / count / share rows (and a total): the header row and the last item row."""
    header = sheet.header([first_title, _("Count"), _("Share")])
    for item in figure["items"]:
        sheet.append([item["label"], item["count"], sheet.rate(item["share"])])
    last = sheet.row
    sheet.append(
        [
            sheet.cell(_("Total"), font=Font(bold=True)),
            figure["total"],
            sheet.rate(1.0 if figure["total"] else None),
        ]
    )
    return header, last


def _bar_chart(sheet: _Sheet, header: int, last: int, title: str, anchor: str) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.add_data(Reference(sheet.ws, min_col=2, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    chart.legend = None
    _style_chart(chart, title)
    sheet.ws.add_chart(chart, anchor)


# --- the sheets -------------------------------------------------------------------------------------------------
def _summary_sheet(wb: Workbook, period: Period, figure: dict, scope_label: str) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "Summary"), [28, 16, 16, 10, 14], freeze="A8")
    sheet.append([sheet.cell(_("After-sales feedback analysis report"), font=TITLE_FONT)])
    previous = period.previous()
    sheet.append(
        [_("Period"), period.label, sheet.cell(period.start, fmt=DATE), sheet.cell(period.end, fmt=DATE)]
    )
    sheet.append(
        [
            _("Previous period"),
            previous.label,
            sheet.cell(previous.start, fmt=DATE),
            sheet.cell(previous.end, fmt=DATE),
        ]
    )
    sheet.append([_("Scope"), scope_label])
    sheet.append([_("Generated at"), sheet.cell(_local(timezone.now()), fmt=DATETIME)])
    sheet.blank()
    sheet.header(
        [_("Figure"), _("This period"), _("Previous period"), pgettext("trend", "Change"), _("Difference")]
    )
    arrows = {"up": "↑", "down": "↓", "same": "→"}
    for metric in figure["metrics"]:
        value, before = metric["value"], metric["previous"]
        is_rate = metric["kind"] == "rate"
        show = sheet.rate if is_rate else (lambda v: DASH if v is None else v)
        if value is None or before is None:
            difference = DASH
        else:
            difference = sheet.cell(value - before, fmt="+0.0%;-0.0%;0.0%" if is_rate else "+0;-0;0")
        sheet.append(
            [metric["label"], show(value), show(before), arrows.get(metric["change"], DASH), difference]
        )


def _category_sheet(wb: Workbook, figure: dict) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "Problem types"), [20, 10, 10], freeze="A3")
    sheet.title(_("Problem category share"))
    header, last = _count_share_table(sheet, figure, _("Problem category"))
    if not figure["total"]:
        sheet.no_data()
        return
    pie = PieChart()
    pie.add_data(Reference(sheet.ws, min_col=2, min_row=header, max_row=last), titles_from_data=True)
    pie.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showPercent = True
    _style_chart(pie, _("Problem category share"), width=14, height=9)
    sheet.ws.add_chart(pie, "E2")


def _severity_channel_sheet(wb: Workbook, severity: dict, channel: dict) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "Severity and channel"), [20, 10, 10], freeze="A3")
    sheet.title(_("Severity"))
    header, last = _count_share_table(sheet, severity, _("Severity"))
    if severity["total"]:
        _bar_chart(sheet, header, last, _("Feedback by severity"), "E2")
    else:
        sheet.no_data()
    # leave room for the first chart (16 rows) before the second table
    while sheet.row < max(18, last + 3):
        sheet.blank()
    sheet.title(_("Channel"))
    header, last = _count_share_table(sheet, channel, _("Channel"))
    if channel["total"]:
        _bar_chart(sheet, header, last, _("Feedback by channel"), f"E{header - 1}")
    else:
        sheet.no_data()


def _pareto(sheet: _Sheet, figure: dict, name_title: str, chart_title: str, anchor_row: int) -> int:
    header = sheet.header([_("Rank"), name_title, _("Count"), _("Share"), _("Cumulative share")])
    for rank, item in enumerate(figure["items"], start=1):
        sheet.append(
            [
                rank if item["key"] not in (selectors.OTHERS, selectors.UNCLASSIFIED) else DASH,
                item["label"],
                item["count"],
                sheet.rate(item["share"]),
                sheet.rate(item.get("cumulative_share")),
            ]
        )
    last = sheet.row
    sheet.append([sheet.cell(_("Total"), font=Font(bold=True)), "", figure["total"]])
    if not figure["total"]:
        sheet.no_data()
        return sheet.row
    bars = BarChart()
    bars.type = "col"
    bars.add_data(Reference(sheet.ws, min_col=3, min_row=header, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(sheet.ws, min_col=2, min_row=header + 1, max_row=last))
    bars.y_axis.title = _("Count")
    bars.y_axis.majorGridlines = None
    line = LineChart()
    line.add_data(Reference(sheet.ws, min_col=5, min_row=header, max_row=last), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = _("Cumulative share")
    line.y_axis.number_format = "0%"
    line.y_axis.scaling.min = 0
    line.y_axis.scaling.max = 1
    line.y_axis.crosses = "max"
    line.y_axis.delete = False
    _style_chart(bars, chart_title, width=18, height=8)
    bars.legend.position = "b"
    bars += line
    sheet.ws.add_chart(bars, f"G{anchor_row}")
    return sheet.row


def _top_sheet(wb: Workbook, faults: dict, models: dict) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "Top 5 faults"), [8, 26, 10, 10, 12], freeze="A3")
    sheet.title(_("TOP 5 fault phenomena"))
    last = _pareto(sheet, faults, _("Fault phenomenon"), _("TOP 5 fault phenomena (Pareto)"), 2)
    while sheet.row < max(19, last + 2):
        sheet.blank()
    start = sheet.title(_("TOP 5 product models"))
    _pareto(sheet, models, _("Product model"), _("TOP 5 product models (Pareto)"), start)


def _department_sheet(wb: Workbook, figure: dict) -> None:
    sheet = _Sheet(
        wb, pgettext("sheet", "Department efficiency"), [14, 10, 14, 9, 9, 12, 10, 9, 12, 14, 14], freeze="B2"
    )
    sheet.header(
        [
            _("Department"),
            _("CAPA forms"),
            _("Average working days to CAPA"),
            _("Measures"),
            _("Completed"),
            _("Measure completion rate"),
            _("Measures due"),
            _("Delayed"),
            _("Milestone delay rate"),
            _("CAPA form on-time rate"),
            _("Measure on-time rate"),
        ]
    )
    rows = figure["departments"]
    for row in rows:
        clocks = {clock["kind"]: clock for clock in row["clocks"]}
        sheet.append(
            [
                row["name"],
                row["capa_forms"],
                sheet.decimal(row["capa_days_avg"]),
                row["measures_total"],
                row["measures_completed"],
                sheet.rate(row["completion_rate"]),
                row["measures_due"],
                row["measures_delayed"],
                sheet.rate(row["delay_rate"]),
                sheet.rate(clocks.get("capa_form", {}).get("rate")),
                sheet.rate(clocks.get("measure", {}).get("rate")),
            ]
        )
    if not rows:
        sheet.no_data()


def _sla_sheet(wb: Workbook, figure: dict) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "SLA compliance"), [20, 10, 10, 14, 10, 10], freeze="A2")
    header = sheet.header(
        [_("Deadline"), _("On time"), _("Missed"), _("Overdue (still open)"), _("Total"), _("On-time rate")]
    )
    for clock in figure["clocks"]:
        sheet.append(
            [
                clock["label"],
                clock["met"],
                clock["missed"],
                clock["overdue"],
                clock["total"],
                sheet.rate(clock["rate"]),
            ]
        )
    last = sheet.row
    overall = figure["overall"]
    sheet.append(
        [
            sheet.cell(_("All deadlines"), font=Font(bold=True)),
            overall["met"],
            overall["missed"],
            overall["overdue"],
            overall["total"],
            sheet.rate(overall["rate"]),
        ]
    )
    if not overall["total"]:
        sheet.no_data()
        return
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.add_data(
        Reference(sheet.ws, min_col=2, max_col=4, min_row=header, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    _style_chart(chart, _("Deadlines met, missed and overdue"))
    chart.legend.position = "b"
    sheet.ws.add_chart(chart, "H2")


def _satisfaction_sheet(wb: Workbook, now: dict, trend: dict) -> None:
    sheet = _Sheet(wb, pgettext("sheet", "Satisfaction trend"), [12, 10, 10, 10, 12, 10, 10, 12], freeze="A3")
    sheet.title(_("Satisfaction, last 12 months"))
    header = sheet.header(
        [
            _("Month"),
            _("Satisfied"),
            _("Basically satisfied"),
            _("Unsatisfied"),
            _("Unreachable"),
            _("Callbacks"),
            _("Reached"),
            _("Satisfaction rate"),
        ]
    )
    months = trend["months"]
    for month in months:
        sheet.append(
            [
                month["label"],
                month["satisfied"],
                month["basic"],
                month["unsatisfied"],
                month["unreachable"],
                month["total"],
                month["reached"],
                sheet.rate(month["rate"]),
            ]
        )
    last = sheet.row
    if any(month["reached"] for month in months):
        chart = LineChart()
        chart.add_data(Reference(sheet.ws, min_col=8, min_row=header, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.legend = None
        _style_chart(chart, _("Satisfaction rate, last 12 months"))
        sheet.ws.add_chart(chart, "J2")
    else:
        sheet.no_data()
    sheet.blank()
    sheet.title(_("Satisfaction callbacks of the period"))
    sheet.header([_("Result"), _("Count"), _("Share")])
    for item in now["items"]:
        sheet.append([item["label"], item["count"], sheet.rate(item["share"])])
    sheet.append([_("Callbacks"), now["total"]])
    sheet.append([_("Reached"), now["reached"]])
    sheet.append([_("Satisfaction rate"), sheet.rate(now["rate"])])
