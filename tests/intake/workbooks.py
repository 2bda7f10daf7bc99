"""Real workbooks for the import tests: written by openpyxl, or saved again by LibreOffice (other XML)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

from intake.excel_columns import COLUMNS

HEADERS = [c.header + ("*" if c.required else "") for c in COLUMNS]


def row(**values) -> list:
    """A data row in the template's column order; unnamed columns get a valid default."""
    defaults = {
        "customer_name": "王先生",
        "contact_phone": "13812345678",
        "contact_email": "",
        "product_model": "KFR-35GW",
        "serial_number": "",
        "purchase_date": "2026-01-15",
        "feedback_time": "2026-05-10 14:30",
        "channel": "经销商/门店",
        "channel_detail": "华东区专卖店",
        "description": "空调制冷效果差",
        "customer_requests": "维修",
    }
    data = {**defaults, **values}
    return [data[c.field] for c in COLUMNS]


def xlsx(rows: list[list], *, headers: list | None = None, template: bytes | None = None) -> bytes:
    """A workbook with ``headers`` (the template's by default) and ``rows``; or the downloaded ``template``
    with ``rows`` appended after its example row."""
    if template is not None:
        book = load_workbook(io.BytesIO(template))
        sheet = book["反馈登记"]
        for values in rows:
            sheet.append(values)
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = "反馈登记"
        sheet.append(headers or HEADERS)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def resaved_by_libreoffice(data: bytes, *, source_suffix: str = ".xlsx") -> bytes:
    """``data`` (an .xlsx, or a .csv) opened and saved as .xlsx by LibreOffice Calc, headless, with a profile of
    its own (several test processes may run soffice at once)."""
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    with tempfile.TemporaryDirectory(prefix="lo-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / f"in{source_suffix}"
        source.write_bytes(data)
        out = tmp_path / "out"
        out.mkdir()
        profile = (tmp_path / "profile").as_uri()
        # a CSV is read as UTF-8 (filter options: comma, double quote, character set 76 = UTF-8, first line 1)
        infilter = ["--infilter=CSV:44,34,76,1"] if source_suffix == ".csv" else []
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                *infilter,
                "--convert-to",
                "xlsx",
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "HOME": tmp},
        )
        return (out / "in.xlsx").read_bytes()


def streamed_xlsx(count: int) -> bytes:
    """A workbook of ``count`` data rows written the way streaming producers (and many ERP exports) write one:
    the OOXML parts by hand, inline strings. Valid .xlsx (Excel, LibreOffice and openpyxl open it), and made in a
    second where openpyxl takes half a minute for 100,000 rows."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    def cells(number: int, values: list) -> str:
        return "".join(
            f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for i, v in enumerate(values, start=1)
        )

    template = row()
    body = [f'<row r="1">{cells(1, HEADERS)}</row>']
    phone_column = next(i for i, c in enumerate(COLUMNS) if c.field == "contact_phone")
    for n in range(count):
        values = list(template)
        values[phone_column] = f"139{n:08d}"
        body.append(f'<row r="{n + 2}">{cells(n + 2, values)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:K{count + 1}"/><sheetData>{"".join(body)}</sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="反馈登记" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()
