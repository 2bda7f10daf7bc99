"""The workbook: every cell from the selectors (the same functions the dashboard and the API ask), native charts,
frozen headers, filters, real numbers and dates, print set-up; an empty period still makes a valid workbook; and
LibreOffice opens it (converted to PDF headless, with pages)."""

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports import selectors
from reports.periods import Period
from reports.selectors import Scope
from reports.workbook import workbook_build

from .runs_data import small_month

pytestmark = pytest.mark.django_db
SHEETS = [
    "摘要",
    "问题类型",
    "严重程度与渠道",
    "高频故障TOP5",
    "部门处理效率",
    "SLA时效",
    "满意度趋势",
    "CAPA",
    "明细",
]
OCTOBER = Period.month(2026, 10)
ALL = Scope()


def _rate(value):
    return "—" if value is None else pytest.approx(value)


def _rows(ws, first: int, count: int, width: int) -> list[tuple]:
    return [
        tuple(row)
        for row in ws.iter_rows(min_row=first, max_row=first + count - 1, max_col=width, values_only=True)
    ]


def _local(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return value


@pytest.fixture
def october_book(october, tmp_path):
    path = workbook_build(OCTOBER, tmp_path / "october.xlsx")
    return path, load_workbook(path)


def test_every_sheet_is_there_in_chinese_with_title_author_and_print_setup(october_book):
    path, book = october_book
    assert book.sheetnames == SHEETS
    assert book.properties.title == "售后反馈分析报告 2026年10月"
    assert book.properties.creator == "售后反馈跟踪"
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.freeze_panes, ws.title
        assert ws.column_dimensions["A"].width >= 8, ws.title
    assert book["明细"].freeze_panes == "B2"
    with zipfile.ZipFile(path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        pareto = [
            archive.read(n).decode()
            for n in charts
            if "<lineChart>" in archive.read(n).decode() and "<barChart>" in archive.read(n).decode()
        ]
    # pie, severity bars, channel bars, two Pareto (bars + cumulative line on a second axis), SLA bars, trend line
    assert len(charts) == 7
    assert len(pareto) == 2 and all(xml.count("<valAx>") == 2 for xml in pareto)


def test_the_summary_shows_the_selectors_figures_with_the_change(october_book):
    _path, book = october_book
    ws = book["摘要"]
    assert ws["A1"].value == "售后反馈分析报告"
    assert ws["B2"].value == "2026年10月" and ws["C2"].value == dt.datetime(2026, 10, 1)
    assert ws["D2"].value == dt.datetime(2026, 10, 31) and ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value == "2026年9月"
    metrics = selectors.summary(OCTOBER, ALL)["metrics"]
    arrows = {"up": "↑", "down": "↓", "same": "→", None: "—"}
    for row, metric in zip(_rows(ws, 8, len(metrics), 4), metrics, strict=True):
        value = metric["value"] if metric["kind"] == "count" else _rate(metric["value"])
        before = metric["previous"] if metric["kind"] == "count" else _rate(metric["previous"])
        assert row == (
            metric["label"],
            value if value is not None else "—",
            before if before is not None else "—",
            arrows[metric["change"]],
        )
    assert ws.cell(8, 2).value == 12  # the fixture month's 12 feedbacks (tests/reports/conftest.py)
    rates = [
        ws.cell(8 + i, 2) for i, m in enumerate(metrics) if m["kind"] == "rate" and m["value"] is not None
    ]
    assert rates and all(cell.number_format == "0.0%" for cell in rates)


def _items(ws, first_row: int, figure: dict, *, columns=3):
    rows = _rows(ws, first_row, len(figure["items"]) + 1, columns)
    for row, item in zip(rows, figure["items"], strict=False):
        assert row[:3] == (item["label"], item["count"], _rate(item["share"]))
    assert rows[-1][:2] == ("合计", figure["total"])


def test_shares_severity_channel_pareto_sla_departments_trend_and_capa_equal_the_selectors(october_book):
    _path, book = october_book
    _items(book["问题类型"], 3, selectors.category_share(OCTOBER, ALL))
    severity, channel = selectors.severity_mix(OCTOBER, ALL), selectors.channel_mix(OCTOBER, ALL)
    ws = book["严重程度与渠道"]
    _items(ws, 3, severity)
    channel_title = next(
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "反馈渠道" and ws.cell(r, 2).value is None
    )
    _items(ws, channel_title + 2, channel)

    ws = book["高频故障TOP5"]
    for figure, title in (
        (selectors.top_faults(OCTOBER, ALL), "故障现象 TOP5"),
        (selectors.top_models(OCTOBER, ALL), "产品型号 TOP5"),
    ):
        start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == title) + 2
        rows = _rows(ws, start, len(figure["items"]), 5)
        for row, item in zip(rows, figure["items"], strict=True):
            assert row[1:] == (
                item["label"],
                item["count"],
                _rate(item["share"]),
                _rate(item["cumulative_share"]),
            )
        assert rows[-1][4] == pytest.approx(1.0)

    sla = selectors.sla_compliance(OCTOBER, ALL)
    rows = _rows(book["SLA时效"], 2, len(sla["clocks"]) + 1, 6)
    for row, clock in zip(rows, [*sla["clocks"], {**sla["overall"], "label": "全部时限"}], strict=True):
        assert row == (
            clock["label"],
            clock["met"],
            clock["missed"],
            clock["overdue"],
            clock["total"],
            _rate(clock["rate"]),
        )

    departments = selectors.department_efficiency(OCTOBER, ALL)["departments"]
    rows = _rows(book["部门处理效率"], 2, len(departments), 11)
    for row, dept in zip(rows, departments, strict=True):
        clocks = {c["kind"]: c["rate"] for c in dept["clocks"]}
        assert row == (
            dept["name"],
            dept["capa_forms"],
            _rate(dept["capa_days_avg"]),
            dept["measures_total"],
            dept["measures_completed"],
            _rate(dept["completion_rate"]),
            dept["measures_due"],
            dept["measures_delayed"],
            _rate(dept["delay_rate"]),
            _rate(clocks.get("capa_form")),
            _rate(clocks.get("measure")),
        )

    trend = selectors.satisfaction_trend_12m(OCTOBER, ALL)["months"]
    rows = _rows(book["满意度趋势"], 3, 12, 8)
    for row, month in zip(rows, trend, strict=True):
        assert row == (
            month["label"],
            month["satisfied"],
            month["basic"],
            month["unsatisfied"],
            month["unreachable"],
            month["total"],
            month["reached"],
            _rate(month["rate"]),
        )

    ws = book["CAPA"]
    effect = selectors.capa_first_time_effectiveness(OCTOBER, ALL)
    assert _rows(ws, 2, 1, 3)[0] == (effect["effective"], effect["first_time"], _rate(effect["rate"]))
    capas = list(selectors.capa_rows(OCTOBER, ALL))
    keys = [key for key, _title in selectors.CAPA_ROW_COLUMNS]
    assert [c.value for c in ws[4]][: len(keys)] == [str(t) for _k, t in selectors.CAPA_ROW_COLUMNS]
    for row, capa in zip(_rows(ws, 5, len(capas), len(keys)), capas, strict=True):
        assert row == tuple(
            _rate(v) if k.endswith("rate") else (_local(v) if v not in ("", None) else None)
            for k, v in zip(keys, [capa[k] for k in keys], strict=True)
        )


def test_the_records_sheet_lists_every_feedback_of_the_period_once_with_real_dates(october_book):
    _path, book = october_book
    ws = book["明细"]
    rows = list(selectors.feedback_rows(OCTOBER, ALL))
    keys = [key for key, _title in selectors.FEEDBACK_ROW_COLUMNS]
    assert len(rows) == selectors.category_share(OCTOBER, ALL)["total"] == ws.max_row - 1 == 12
    assert [c.value for c in ws[1]] == [str(t) for _k, t in selectors.FEEDBACK_ROW_COLUMNS]
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(keys)).column_letter}13"
    for sheet_row, record in zip(ws.iter_rows(min_row=2, values_only=True), rows, strict=True):
        assert sheet_row == tuple(_local(record[k]) if record[k] not in ("", None) else None for k in keys)
    time_cell = ws.cell(2, keys.index("feedback_time") + 1)
    assert time_cell.is_date and time_cell.value == dt.datetime(
        2026, 10, 1, 0, 0, 0
    )  # the month's first second


def test_hand_worked_counts_on_a_small_month(tmp_path):
    small_month(2026, 8)
    book = load_workbook(workbook_build(Period.month(2026, 8), tmp_path / "august.xlsx"))
    categories = {row[0]: row[1] for row in _rows(book["问题类型"], 3, 6, 2)}
    assert categories == {
        "功能性问题": 3,
        "性能问题": 1,
        "外观/工艺问题": 1,
        "服务问题": 1,
        "未分类": 1,
        "合计": 7,
    }
    faults = [row[1:3] for row in _rows(book["高频故障TOP5"], 3, 4, 3)]
    assert faults == [("制冷效果差", 3), ("噪音大", 2), ("漏水", 1), ("未分类", 1)]
    assert (
        book["明细"].max_row == 1 + 7
    )  # not the draft, not the voided one, not the one of 1 September 00:00
    assert book["摘要"].cell(8, 2).value == 7


def test_an_empty_period_still_makes_a_valid_workbook_with_no_data_and_dashes(tmp_path):
    path = workbook_build(Period.month(2020, 1), tmp_path / "empty.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    for title in ("问题类型", "严重程度与渠道", "高频故障TOP5", "明细"):
        values = [c for row in book[title].iter_rows(values_only=True) for c in row]
        assert "无数据" in values, title
    summary = {row[0]: row[1] for row in book["摘要"].iter_rows(min_row=8, values_only=True)}
    assert summary["反馈数"] == 0 and summary["满意率"] == "—"
    assert _pdf_pages(path) >= 1


def _pdf_pages(path: Path) -> int:
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    with tempfile.TemporaryDirectory(prefix="lo-") as tmp:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env={**os.environ, "HOME": tmp},
        )
        pdf = (Path(tmp) / f"{path.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_libreoffice_converts_the_workbook_to_a_pdf_with_pages(october_book):
    path, _book = october_book
    assert _pdf_pages(path) >= len(SHEETS)
