"""The monthly analysis report as an Excel workbook (售后反馈分析报告), built by the worker.

Every number comes from ``reports.selectors`` (the dashboard and the API ask the same functions): nothing is
counted here. The whole workbook is written in openpyxl's write-only mode, rows streamed straight to the file, so
the memory stays flat however many feedbacks the 明细 sheet lists. Charts are native Excel charts.

Sheets: 摘要, 问题类型, 严重程度与渠道, 高频故障TOP5, 部门处理效率, SLA时效, 满意度趋势, CAPA, 明细. Each has a
frozen header, fitted column widths, real numbers / percentages / dates (never text, except "—" for a rate with
nothing counted), and a landscape print set-up fitted to the page width."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from . import selectors
from .periods import Period
from .selectors import Scope
from .workbook_sheets import (
    DASH,
    PERCENT,
    ROWS_PROGRESS_EVERY,
    Progress,
    _category_sheet,
    _department_sheet,
    _local,
    _no_progress,
    _satisfaction_sheet,
    _severity_channel_sheet,
    _Sheet,
    _sla_sheet,
    _summary_sheet,
    _top_sheet,
)


def _rows_sheet(sheet: _Sheet, columns: list[tuple[str, str]], rows, *, progress=None, total=0, span=(0, 0)):
    """A header, then one row per record, streamed. Dates and times stay dates (openpyxl gives them a date format
    of their own: no styled cell per value, which keeps 100,000 rows near a plain dump), rates percentages."""
    sheet.header([str(title) for _key, title in columns])
    keys = [key for key, _title in columns]
    rate_keys = {key for key in keys if key.endswith("rate")}
    written = 0
    ws_append = sheet.ws.append
    low, high = span
    for record in rows:
        values = []
        for key in keys:
            value = record.get(key)
            if value is None:
                value = DASH if key in rate_keys else ""
            elif isinstance(value, dt.datetime):
                value = _local(value)
            elif key in rate_keys and isinstance(value, float):
                value = sheet.cell(value, fmt=PERCENT)
            elif isinstance(value, Promise):
                value = str(value)
            values.append(value)
        ws_append(values)
        written += 1
        if progress is not None and total and written % ROWS_PROGRESS_EVERY == 0:
            progress(low + (high - low) * min(written, total) // total)
    sheet.row += written
    return written


def _capa_sheet(wb: Workbook, effectiveness: dict, period: Period, scope: Scope) -> None:
    columns = selectors.CAPA_ROW_COLUMNS
    sheet = _Sheet(
        wb, pgettext("sheet", "CAPA"), [14, 24, 12, 12, 14, 40, 16, 16, 8, 9, 9, 10, 14, 30], freeze="A5"
    )
    sheet.header(
        [_("CAPA forms verified effective"), _("Effective the first time"), _("First-time effectiveness")]
    )
    sheet.append([effectiveness["effective"], effectiveness["first_time"], sheet.rate(effectiveness["rate"])])
    sheet.blank()
    start = sheet.row
    written = _rows_sheet(sheet, columns, selectors.capa_rows(period, scope))
    if not written:
        sheet.no_data()
    elif columns:
        sheet.ws.auto_filter.ref = f"A{start + 1}:{get_column_letter(len(columns))}{start + 1 + written}"


def _records_sheet(wb: Workbook, period: Period, scope: Scope, total: int, progress: Progress) -> None:
    columns = selectors.FEEDBACK_ROW_COLUMNS
    widths = [14, 17, 17, 10, 18, 14, 16, 8, 12, 16, 12] + [12] * max(0, len(columns) - 11)
    sheet = _Sheet(wb, pgettext("sheet", "Records"), widths[: max(len(columns), 1)], freeze="B2")
    sheet.ws.print_title_rows = "1:1"
    written = _rows_sheet(
        sheet, columns, selectors.feedback_rows(period, scope), progress=progress, total=total, span=(40, 97)
    )
    if not written:
        sheet.no_data()
    elif columns:
        sheet.ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{1 + written}"


def workbook_build(
    period: Period,
    path: Path | str,
    *,
    product_line_id: int | None = None,
    progress: Progress = _no_progress,
    scope_label: str = "",
) -> Path:
    """Write the workbook of ``period`` (the whole company, or one product line) to ``path``."""
    scope = Scope(product_line_id=product_line_id)
    with translation.override(settings.LANGUAGE_CODE):
        if not scope_label:
            scope_label = (
                _("Whole company") if product_line_id is None else _product_line_label(product_line_id)
            )
        wb = Workbook(write_only=True)
        wb.properties.title = _("After-sales feedback analysis report %(period)s") % {"period": period.label}
        wb.properties.subject = period.label
        wb.properties.creator = _("After-sales feedback tracking")
        wb.properties.lastModifiedBy = wb.properties.creator
        wb.properties.language = "zh-CN"
        wb.properties.keywords = "售后反馈, 月度分析报告"
        progress(1)
        summary = selectors.summary(period, scope)
        _summary_sheet(wb, period, summary, scope_label)
        progress(5)
        category = selectors.category_share(period, scope)
        _category_sheet(wb, category)
        progress(8)
        _severity_channel_sheet(
            wb, selectors.severity_mix(period, scope), selectors.channel_mix(period, scope)
        )
        progress(12)
        _top_sheet(wb, selectors.top_faults(period, scope), selectors.top_models(period, scope))
        progress(18)
        _department_sheet(wb, selectors.department_efficiency(period, scope))
        progress(24)
        _sla_sheet(wb, selectors.sla_compliance(period, scope))
        progress(28)
        _satisfaction_sheet(
            wb, selectors.satisfaction(period, scope), selectors.satisfaction_trend_12m(period, scope)
        )
        progress(33)
        _capa_sheet(wb, selectors.capa_first_time_effectiveness(period, scope), period, scope)
        progress(40)
        _records_sheet(wb, period, scope, category["total"], progress)
        progress(97)
        path = Path(path)
        wb.save(path)
        progress(99)
    return path


def _product_line_label(product_line_id: int) -> str:
    from catalog.models import ProductLine

    line = ProductLine.objects.filter(pk=product_line_id).first()
    return line.name if line else str(product_line_id)
