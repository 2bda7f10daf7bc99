"""Reading an uploaded workbook: is it one, does it have the template's headers, which rows hold data. Every
refusal is a WorkbookError with a message for the person who uploaded it."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .excel_columns import BY_HEADER, COLUMNS, EXAMPLE_MARK, normalize_header
from .excel_template import DATA_SHEET

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc …)


class WorkbookError(ValueError):
    pass


def sniff(head: bytes) -> None:
    """Refuse at upload what is plainly not an .xlsx workbook (from its first bytes, not its name)."""
    if head.startswith(OLE_MAGIC):
        raise WorkbookError(
            _(
                "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as .xlsx, then upload it again."
            )
        )
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookError(
            _("This file is not an Excel workbook (.xlsx). Download the template and fill it in.")
        )


@dataclass
class Sheet:
    columns: dict[int, str]  # column index → field
    rows: Iterator[tuple[int, dict]]  # (Excel row number, field → cell value)
    close: callable
    count_rows_with_values: callable  # (stop_after) → data rows holding a value, at most stop_after + 1


def _count_rows_with_values(worksheet, stop_after: int) -> int:
    """Rows below the header holding at least one value, counted from the sheet's XML with the C parser (a
    100,000-row sheet in a second or two; reading its cells takes a minute), stopping after ``stop_after``.
    Uses openpyxl's read-only source stream (``_get_source``)."""
    get_source = getattr(worksheet, "_get_source", None)
    if get_source is None:
        return 0
    count = 0
    with get_source() as source:
        for _event, element in ElementTree.iterparse(source, events=("end",)):
            if element.tag.rsplit("}", 1)[-1] != "row":
                continue
            has_value = any(
                (child.text or "").strip()
                for child in element.iter()
                if child.tag.rsplit("}", 1)[-1] in ("v", "t")
            )
            if has_value and element.get("r") != "1":
                count += 1
                if count > stop_after:
                    break
            element.clear()
    return count


def open_sheet(path_or_file) -> Sheet:
    """The data sheet of the workbook, its headers checked; raises WorkbookError."""
    try:
        book = load_workbook(path_or_file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise WorkbookError(
            _(
                "The workbook cannot be read (%(error)s). Is it an .xlsx file? Save it again from Excel or WPS, or start from the template."
            )
            % {"error": type(error).__name__}
        ) from error
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except Exception as error:  # a damaged sheet inside a readable zip
        book.close()
        raise WorkbookError(_("The workbook cannot be read: its first sheet is damaged.")) from error
    columns: dict[int, str] = {}
    unknown = []
    for index, value in enumerate(header):
        name = normalize_header(value)
        if not name:
            continue
        column = BY_HEADER.get(name)
        if column is None:
            unknown.append(str(value).strip())
        elif column.field in columns.values():
            unknown.append(_("%(header)s (twice)") % {"header": name})
        else:
            columns[index] = column.field
    missing = [c.header for c in COLUMNS if c.required and c.field not in columns.values()]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing columns: %(columns)s") % {"columns": "、".join(missing)})
        if unknown:
            problems.append(_("columns not in the template: %(columns)s") % {"columns": "、".join(unknown)})
        book.close()
        raise WorkbookError(
            _(
                "The first row of the sheet “%(sheet)s” is not the template's header row (%(problems)s). The columns are: %(expected)s."
            )
            % {
                "sheet": sheet.title,
                "problems": "; ".join(problems),
                "expected": "、".join(c.header for c in COLUMNS),
            }
        )

    def rows() -> Iterator[tuple[int, dict]]:
        for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            record = {field: values[i] if i < len(values) else None for i, field in columns.items()}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in record.values()):
                continue
            if str(record.get("customer_name") or "").strip().startswith(EXAMPLE_MARK):
                continue  # the template's example row
            yield number, record

    return Sheet(
        columns=columns,
        rows=rows(),
        close=book.close,
        count_rows_with_values=lambda stop_after: (
            _count_rows_with_values(sheet, stop_after) if (sheet.max_row or 0) - 1 > stop_after else 0
        ),
    )
