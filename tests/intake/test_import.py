"""The dealer/store Excel import: template, preview (good rows, each error with its row and column, likely
duplicates), all-or-nothing import with the PF numbers, the same file never twice, bad workbooks refused."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from feedback.models import Feedback, Status
from intake.excel_template import build_template
from intake.imports import batch_check, batch_import, batch_import_start, batch_upload
from intake.models import ImportBatch, ImportRow
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories import FeedbackFactory
from tests.files import png_bytes

from .workbooks import HEADERS, resaved_by_libreoffice, row, streamed_xlsx, xlsx

pytestmark = pytest.mark.django_db


def upload(user, data: bytes, name: str = "经销商反馈.xlsx") -> ImportBatch:
    batch = batch_upload(actor=user, upload=SimpleUploadedFile(name, data))
    return batch_check(batch.pk)


def run(batch, user, *, include_duplicates=False) -> ImportBatch:
    batch_import_start(batch=batch, actor=user, include_duplicates=include_duplicates)
    return batch_import(batch.pk)


def errors_of(batch) -> list[str]:
    return [f"第 {r.row_number} 行 {e}" for r in batch.rows.filter(state="error") for e in r.errors]


def test_the_template_has_chinese_headers_dropdowns_an_example_row_and_instructions(
    client, users, aircon, fridge
):
    client.force_login(users[Role.CS_AGENT])
    response = client.get(reverse("intake:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "反馈登记" and "填写说明" in book.sheetnames
    sheet = book["反馈登记"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A2"].value.startswith("示例")
    lists = book["选项"]
    assert lists.sheet_state == "hidden"
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert set(validations) == {"D2", "H2", "K2"}  # product model, channel, customer request
    models = [lists.cell(row=r, column=2).value for r in range(2, 4)]
    assert sorted(models) == ["BCD-520W", "KFR-35GW"]
    assert [lists.cell(row=r, column=1).value for r in range(2, 8)] == [
        "客服热线",
        "官方邮箱",
        "在线客服",
        "经销商/门店",
        "第三方投诉平台",
        "其他",
    ]
    help_text = " ".join(str(c.value) for r in book["填写说明"].iter_rows() for c in r if c.value)
    assert "示例" in help_text and "KFR-35GW" in help_text


def test_a_filled_in_template_is_previewed_and_imported_with_its_numbers(users, aircon, fridge):
    agent = users[Role.CS_AGENT]
    data = xlsx(
        [
            row(customer_name="王先生", contact_phone="13812345678"),
            row(
                customer_name="李女士",
                contact_phone="0755 12345678",
                product_model="BCD-520W",
                customer_requests="换货、赔偿",
                channel="第三方投诉平台",
            ),
        ],
        template=build_template(),
    )

    batch = upload(agent, data)

    assert batch.state == ImportBatch.State.READY
    assert (batch.total_rows, batch.good_rows, batch.error_rows, batch.duplicate_rows) == (2, 2, 0, 0)
    assert not Feedback.objects.exists()  # the preview imports nothing

    batch = run(batch, agent)

    assert batch.state == ImportBatch.State.IMPORTED and batch.imported_count == 2
    numbers = list(
        ImportRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list("feedback__number", flat=True)
    )
    feedbacks = [Feedback.objects.get(number=n) for n in numbers]
    assert [f.customer_name for f in feedbacks] == ["王先生", "李女士"]
    second = feedbacks[1]
    assert second.contact_phone == "0755-12345678"
    assert second.customer_requests == ["exchange", "compensation"] and second.channel == "third_party"
    assert second.status == Status.REGISTERED and second.registered_by == agent
    assert feedbacks[0].feedback_time == dt.datetime(
        2026, 5, 10, 14, 30, tzinfo=timezone.get_current_timezone()
    )
    clocks = dict(SlaClock.objects.filter(feedback=second).values_list("kind", "outcome"))
    assert clocks == {ClockKind.REGISTRATION: Outcome.MISSED, ClockKind.VERIFICATION: Outcome.RUNNING}


def test_each_error_is_named_with_its_row_and_column_in_chinese(users, aircon):
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    data = xlsx(
        [
            row(),  # row 2: good
            row(contact_phone="1381234"),  # 3
            row(product_model="KFR-99XX"),  # 4
            row(customer_name="", customer_requests=""),  # 5
            row(purchase_date="2026-13-45", feedback_time=future),  # 6
            row(contact_phone="", contact_email=""),  # 7
            row(customer_requests="维修、退款", channel="抖音"),  # 8
            row(purchase_date="2026-06-01", feedback_time="2026-05-10"),  # 9: bought after the feedback
        ]
    )

    batch = upload(users[Role.CS_AGENT], data)

    assert (batch.good_rows, batch.error_rows) == (1, 7)
    errors = errors_of(batch)
    assert "第 3 行 联系电话: 不是有效的手机号或座机号（如 13812345678、0755-12345678）。" in errors
    assert "第 4 行 产品型号: 未知的型号“KFR-99XX”（产品目录中没有）。" in errors
    assert "第 5 行 客户姓名: 必填。" in errors and "第 5 行 客户诉求: 必填。" in errors
    assert any(e.startswith("第 6 行 购买日期: “2026-13-45”不是日期") for e in errors)
    assert "第 6 行 反馈时间: 反馈时间不能晚于当前时间。" in errors
    assert "第 7 行 联系电话: 电话和邮箱至少填写一项。" in errors
    assert "第 8 行 反馈渠道: “抖音”不是列表中的渠道。" in errors
    assert "第 8 行 客户诉求: “退款”不是列表中的客户诉求。" in errors
    assert "第 9 行 购买日期: 购买日期不能晚于反馈时间。" in errors


def test_rows_like_a_feedback_already_in_the_system_or_an_earlier_row_are_likely_duplicates(
    users, aircon, fridge
):
    agent = users[Role.CS_AGENT]
    when = dt.datetime(2026, 5, 10, 14, 30, tzinfo=timezone.get_current_timezone())
    earlier = FeedbackFactory(
        contact_phone="13800000001", product_model=aircon, feedback_time=when - dt.timedelta(days=30)
    )
    FeedbackFactory(
        contact_phone="13800000002", product_model=aircon, feedback_time=when - dt.timedelta(days=120)
    )
    data = xlsx(
        [
            row(contact_phone="138 0000 0001"),  # 2: like the feedback of 30 days ago
            row(contact_phone="13800000002"),  # 3: the match is 120 days old: not a duplicate
            row(contact_phone="13800000001", product_model="BCD-520W"),  # 4: other model
            row(contact_phone="13900000009"),  # 5
            row(contact_phone="13900000009"),  # 6: like row 5
        ]
    )

    batch = upload(agent, data)

    duplicates = dict(batch.rows.filter(state="duplicate").values_list("row_number", "duplicate_of"))
    assert duplicates == {2: [earlier.number], 6: ["第 5 行"]}
    assert (batch.good_rows, batch.duplicate_rows) == (3, 2)

    assert run(batch, agent).imported_count == 3  # the duplicates only when asked
    assert Feedback.objects.filter(contact_phone="13900000009").count() == 1


def test_likely_duplicates_are_imported_when_the_agent_asks(users, aircon):
    agent = users[Role.CS_AGENT]
    batch = upload(agent, xlsx([row(), row()]))

    batch = run(batch, agent, include_duplicates=True)

    assert batch.imported_count == 2 and Feedback.objects.count() == 2


def test_the_import_is_all_or_nothing(users, aircon, fridge):
    agent = users[Role.CS_AGENT]
    batch = upload(agent, xlsx([row(), row(contact_phone="13900000000", product_model="BCD-520W")]))
    fridge.is_active = False  # taken out of the catalogue between the preview and the import
    fridge.save()

    batch = run(batch, agent)

    assert batch.state == ImportBatch.State.FAILED
    assert not Feedback.objects.exists()
    assert batch.message.startswith("未导入任何记录。第 3 行") and "产品型号" in batch.message


def test_the_same_file_is_not_imported_twice(users, aircon):
    agent = users[Role.CS_AGENT]
    data = xlsx([row()])
    first = run(upload(agent, data), agent)
    assert first.state == ImportBatch.State.IMPORTED

    with pytest.raises(ValidationError) as refused:
        upload(users["other_agent"], data)
    assert "不会重复导入" in refused.value.messages[0] and f"#{first.pk}" in refused.value.messages[0]

    # the same rows saved again by LibreOffice are other bytes: every row is then a likely duplicate
    again = upload(agent, resaved_by_libreoffice(data))
    assert (again.good_rows, again.duplicate_rows) == (0, 1)
    assert Feedback.objects.count() == 1


def test_two_previews_of_one_file_cannot_both_be_imported(users, aircon):
    agent = users[Role.CS_AGENT]
    data = xlsx([row()])
    one, two = upload(agent, data), upload(agent, data)

    assert run(one, agent).state == ImportBatch.State.IMPORTED
    with pytest.raises(ValidationError):
        batch_import_start(batch=two, actor=agent, include_duplicates=True)
    assert Feedback.objects.count() == 1


def test_a_workbook_saved_by_libreoffice_is_read_like_one_written_by_openpyxl(users, aircon):
    agent = users[Role.CS_AGENT]
    rows = [
        row(customer_name="王先生"),
        row(customer_name="李女士", contact_phone="02012345678", purchase_date="2025/12/01"),
        row(contact_phone="123"),
    ]
    original = upload(agent, xlsx(rows))
    resaved = upload(agent, resaved_by_libreoffice(xlsx(rows), source_suffix=".xlsx"))
    from_csv = upload(
        agent,
        resaved_by_libreoffice(
            ("\n".join(",".join(str(v) for v in r) for r in [HEADERS, *rows]) + "\n").encode("utf-8"),
            source_suffix=".csv",
        ),
    )

    for batch in (original, resaved, from_csv):
        assert batch.state == ImportBatch.State.READY, batch.message
        assert (batch.good_rows, batch.error_rows) == (2, 1)
        good = batch.rows.filter(state="good").order_by("row_number")
        assert [r.data["contact_phone"] for r in good] == ["13812345678", "020-12345678"]
        assert [r.data["purchase_date"] for r in good] == ["2026-01-15", "2025-12-01"]
    assert run(resaved, agent).imported_count == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (png_bytes(), "不是 Excel 工作簿"),
        ("客户姓名,联系电话\n王先生,138\n".encode(), "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel 文件（.xls）"),
    ],
    ids=["png", "csv", "xls"],
)
def test_a_file_that_is_not_a_workbook_is_refused_at_upload(users, content, message):
    with pytest.raises(ValidationError) as refused:
        upload(users[Role.CS_AGENT], content)
    assert message in refused.value.messages[0]
    assert not ImportBatch.objects.exists()


def test_a_broken_zip_or_wrong_headers_or_no_rows_are_refused_with_a_message(users, aircon):
    agent = users[Role.CS_AGENT]
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    wrong_headers = xlsx([["王先生", "138"]], headers=["姓名", "电话", "备注"])

    cases = {
        "zip": upload(agent, broken.getvalue()),
        "headers": upload(agent, wrong_headers),
        "empty": upload(agent, build_template()),
    }

    assert all(b.state == ImportBatch.State.REFUSED for b in cases.values())
    assert "无法读取" in cases["zip"].message
    assert (
        "缺少列：客户姓名、产品型号" in cases["headers"].message
        and "模板中没有的列：姓名、电话、备注" in cases["headers"].message
    )
    assert "没有可导入的数据行" in cases["empty"].message
    assert not ImportRow.objects.exists()


def test_a_workbook_of_100000_rows_is_refused_and_nothing_is_kept(users, aircon):
    batch = upload(users[Role.CS_AGENT], streamed_xlsx(100_000))

    assert batch.state == ImportBatch.State.REFUSED
    assert "超过 20,000 行" in batch.message and "拆分" in batch.message
    assert not ImportRow.objects.exists() and not Feedback.objects.exists()


def test_a_streamed_workbook_within_the_limit_is_read(users, aircon):
    batch = upload(users[Role.CS_AGENT], streamed_xlsx(30))

    assert (batch.state, batch.good_rows) == (ImportBatch.State.READY, 30)


def test_an_oversize_file_is_refused_with_its_size(users, settings):
    settings.INTAKE_IMPORT_MAX_MB = 1
    with pytest.raises(ValidationError) as refused:
        upload(users[Role.CS_AGENT], b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    assert "最大 1.0\xa0MB" in refused.value.messages[0] or "1.0\xa0MB" in refused.value.messages[0]
