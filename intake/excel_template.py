"""The dealer/store import template: a data sheet with Chinese headers, an example row and dropdowns (channel,
product model, customer request) fed from a hidden list sheet, and an instructions sheet."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from catalog.models import ProductModel
from feedback.models import Channel, CustomerRequest

from .excel_columns import COLUMNS, EXAMPLE_ROW, zh

DATA_SHEET = "反馈登记"
LISTS_SHEET = "选项"
HELP_SHEET = "填写说明"
FORMATTED_ROWS = 2000  # rows given the date/text formats and the dropdowns


def _column_letter(field: str) -> str:
    return get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.field == field))


def build_template() -> bytes:
    """The .xlsx file's bytes."""
    models = list(
        ProductModel.objects.filter(is_active=True).select_related("line").order_by("line_id", "code")
    )
    with translation.override("zh-hans"):
        return _build(models)


def _build(models: list[ProductModel]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    header_font, required_font = Font(bold=True), Font(bold=True, color="C00000")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = required_font if column.required else header_font
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"

    # the lists the dropdowns read, on a hidden sheet (an inline list is limited to 255 characters)
    lists = book.create_sheet(LISTS_SHEET)
    channel_labels = [zh(label) for _value, label in Channel.choices]
    request_labels = [zh(label) for _value, label in CustomerRequest.choices]
    for title, values, col in (
        ("反馈渠道", channel_labels, 1),
        ("产品型号", [m.code for m in models], 2),
        ("型号名称", [f"{m.line.name} · {m.name}" for m in models], 3),
        ("客户诉求", request_labels, 4),
    ):
        lists.cell(row=1, column=col, value=title).font = header_font
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value)
    lists.sheet_state = "hidden"

    last = FORMATTED_ROWS + 1

    def dropdown(field: str, source: str, *, strict: bool, prompt: str) -> None:
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        validation.showErrorMessage = strict
        validation.error = _("Pick a value from the list.")
        validation.errorTitle = _("Not in the list")
        validation.prompt = prompt
        validation.showInputMessage = True
        letter = _column_letter(field)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)

    dropdown(
        "channel",
        f"'{LISTS_SHEET}'!$A$2:$A${len(channel_labels) + 1}",
        strict=True,
        prompt=_("Pick the channel."),
    )
    if models:
        dropdown(
            "product_model",
            f"'{LISTS_SHEET}'!$B$2:$B${len(models) + 1}",
            strict=True,
            prompt=_("Pick the model."),
        )
    # several requests may be typed (维修、换货): the list helps, it does not refuse
    dropdown(
        "customer_requests",
        f"'{LISTS_SHEET}'!$D$2:$D${len(request_labels) + 1}",
        strict=False,
        prompt=_("Pick one, or type several separated by 、"),
    )
    for field, number_format in (
        ("contact_phone", "@"),
        ("serial_number", "@"),
        ("purchase_date", "yyyy-mm-dd"),
        ("feedback_time", "yyyy-mm-dd hh:mm"),
    ):
        letter = _column_letter(field)
        for row in range(2, last + 1):
            sheet[f"{letter}{row}"].number_format = number_format

    example = {
        **EXAMPLE_ROW,
        "product_model": models[0].code if models else "",
        "channel": zh(Channel.DEALER.label),
        "customer_requests": zh(CustomerRequest.REPAIR.label),
    }
    grey = Font(italic=True, color="808080")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index, value=example[column.field])
        cell.font = grey

    help_sheet = book.create_sheet(HELP_SHEET)
    lines = [
        (_("How to fill in this workbook"), True),
        (
            _(
                "One feedback per row of the sheet “%(sheet)s”, from row 3 on. Row 2 is an example (its customer name starts with 示例): it is never imported, leave it or delete it."
            )
            % {"sheet": DATA_SHEET},
            False,
        ),
        (
            _(
                "Columns marked * are required; a phone or an e-mail is required too. Keep the header row as it is."
            ),
            False,
        ),
        (
            _(
                "At most %(rows)s rows and %(mb)s MB per file. Rows with errors are listed with the reason and are not imported; the other rows are imported together, all or nothing."
            )
            % {"rows": f"{settings.INTAKE_IMPORT_MAX_ROWS:,}", "mb": settings.INTAKE_IMPORT_MAX_MB},
            False,
        ),
        (
            _(
                "A row with the same phone and product model as a feedback of the last %(days)s days is shown as a likely duplicate: you decide whether to import it."
            )
            % {"days": settings.SIMILAR_FEEDBACK_DAYS},
            False,
        ),
        ("", False),
        (_("Column"), True),
    ]
    for line, bold in lines:
        help_sheet.append([line])
        if bold:
            help_sheet.cell(row=help_sheet.max_row, column=1).font = header_font
    for column in COLUMNS:
        help_sheet.append([column.header + ("*" if column.required else ""), str(column.help)])
    help_sheet.append([])
    help_sheet.append([_("Product models"), _("Model number"), _("Product")])
    help_sheet.cell(row=help_sheet.max_row, column=1).font = header_font
    for model in models:
        help_sheet.append(["", model.code, f"{model.line.name} · {model.name}"])
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 80
    help_sheet.column_dimensions["C"].width = 30

    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
