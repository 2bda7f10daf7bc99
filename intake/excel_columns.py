"""The import template's columns (one list: the template, the reader and the error messages use it), and how a
cell's value becomes a registration field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from feedback.models import Channel, CustomerRequest
from workcalendar.calendar import CHINA


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Chinese header of the template (the workbook is for Chinese dealers)
    required: bool
    width: int
    help: object  # lazy text for the instructions sheet


COLUMNS: tuple[Column, ...] = (
    Column("customer_name", "客户姓名", True, 12, _("The customer's name.")),
    Column(
        "contact_phone",
        "联系电话",
        False,
        16,
        _(
            "Mobile (13812345678) or landline with area code (0755-12345678). A phone or an e-mail is required."
        ),
    ),
    Column("contact_email", "电子邮箱", False, 22, _("The customer's e-mail, if any.")),
    Column(
        "product_model", "产品型号", True, 16, _("A model number of the catalogue: pick it from the list.")
    ),
    Column("serial_number", "序列号/批次号", False, 16, _("Optional.")),
    Column("purchase_date", "购买日期", True, 12, _("A date: 2026-03-15.")),
    Column(
        "feedback_time",
        "反馈时间",
        True,
        18,
        _(
            "When the customer contacted the dealer or store: 2026-05-10 14:30 (a date alone counts as 00:00)."
        ),
    ),
    Column("channel", "反馈渠道", False, 14, _("Pick from the list; empty: dealer or store.")),
    Column("channel_detail", "渠道说明", False, 20, _("The dealer's or store's name, a case number …")),
    Column("description", "问题描述（客户原话）", True, 40, _("The problem in the customer's own words.")),
    Column(
        "customer_requests",
        "客户诉求",
        True,
        16,
        _("Pick from the list; several separated by 、 (维修、换货)."),
    ),
)
BY_HEADER = {c.header: c for c in COLUMNS}
EXAMPLE_MARK = "示例"
EXAMPLE_ROW = {
    "customer_name": "示例-张三",
    "contact_phone": "13812345678",
    "contact_email": "zhangsan@example.com",
    "product_model": None,  # the first model of the catalogue
    "serial_number": "B2405-0012",
    "purchase_date": dt.date(2026, 3, 15),
    "feedback_time": dt.datetime(2026, 5, 10, 14, 30),  # noqa: DTZ001 - a workbook's cells hold local times
    "channel": None,  # the dealer channel's label
    "channel_detail": "华东区 XX 电器专卖店",
    "description": "空调使用1个月后制冷效果明显下降，出风口温度18℃。",
    "customer_requests": None,  # 维修
}


def normalize_header(value) -> str:
    text = str(value or "").strip()
    text = re.sub(r"[\s*＊]+", "", text)
    text = text.replace("(必填)", "").replace("（必填）", "").replace("(", "（").replace(")", "）")
    return text


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def choice_lookup(choices) -> dict[str, str]:
    """Every way a choice may be written (its value, its Chinese and English labels) → its value."""
    out = {}
    for value, label in choices:
        with translation.override("en"):
            english = str(label)
        for key in (value, zh(label), english):
            out[key.strip().lower()] = value
    return out


CHANNELS = choice_lookup(Channel.choices)
REQUESTS = choice_lookup(CustomerRequest.choices)
REQUEST_SPLIT = re.compile(r"[、,，;；/\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
TIME_FORMATS = ("%H:%M", "%H:%M:%S")


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message says why."""


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = as_text(value)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (write it as 2026-03-15).") % {"value": text})


def as_datetime(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        text = re.sub(r"\s+", " ", as_text(value).replace("T", " "))
        moment = None
        for date_format in DATE_FORMATS:
            for fmt in (date_format, *(f"{date_format} {t}" for t in TIME_FORMATS)):
                try:
                    moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - local time, made aware below
                    break
                except ValueError:
                    continue
            if moment:
                break
        if moment is None:
            raise CellError(
                _("“%(value)s” is not a date and time (write it as 2026-05-10 14:30).") % {"value": text}
            )
    if timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=CHINA)


def as_channel(value) -> str:
    text = as_text(value)
    if not text:
        return Channel.DEALER
    channel = CHANNELS.get(text.lower())
    if channel is None:
        raise CellError(_("“%(value)s” is not a channel of the list.") % {"value": text})
    return channel


def as_requests(value) -> list[str]:
    text = as_text(value)
    out, unknown = [], []
    for part in filter(None, REQUEST_SPLIT.split(text)):
        request = REQUESTS.get(part.lower())
        if request is None:
            unknown.append(part)
        elif request not in out:
            out.append(request)
    if unknown:
        raise CellError(
            _("“%(value)s” is not a customer request of the list.") % {"value": "、".join(unknown)}
        )
    return out
