"""The integration API's input and output, with the examples shown in the OpenAPI schema."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.utils import html

from catalog.models import ProductModel
from feedback.models import CustomerRequest, Feedback
from feedback.services import REGISTRATION_FIELDS

from .registration import missing_fields


class _StrictEmptyMixin:
    """An empty form field ('' in multipart/form-data) is a wrong value, answered 400, not taken for "none": the
    schema says a date is a date or null; to give none, leave the field out."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class _DateField(_StrictEmptyMixin, serializers.DateField):
    pass


class _DateTimeField(_StrictEmptyMixin, serializers.DateTimeField):
    pass


class IntakeInput(serializers.Serializer):
    customer_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="客户姓名"
    )
    contact_phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="手机号（13812345678）或带区号的座机（0755-12345678）",
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True, help_text="客户邮箱")
    product_model = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="产品型号（产品目录中的型号编码，如 KFR-35GW）",
    )
    serial_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="序列号/批次号"
    )
    purchase_date = _DateField(required=False, allow_null=True, help_text="购买日期 YYYY-MM-DD")
    feedback_time = _DateTimeField(
        required=False, allow_null=True, help_text="客户联系平台的时间（ISO 8601）；缺省为收到请求的时间"
    )
    channel_detail = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="渠道说明：门店名称、投诉平台工单号等"
    )
    description = serializers.CharField(required=False, allow_blank=True, help_text="问题描述（客户原话）")
    customer_requests = serializers.ListField(
        child=serializers.ChoiceField(choices=CustomerRequest.choices),
        required=False,
        help_text="客户诉求，可多选：" + "、".join(CustomerRequest.values),
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="附件（multipart/form-data）：图片、视频、录音、PDF、Office",
    )

    def validate_product_model(self, value: str) -> ProductModel | None:
        code = (value or "").strip()
        if not code:
            return None
        model = ProductModel.objects.filter(code__iexact=code).first()
        if model is None:
            raise serializers.ValidationError(_("Unknown product model: %(code)s.") % {"code": code})
        return model


class IntakeOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    complete = serializers.SerializerMethodField(help_text="是否已完成登记（否：草稿）")
    missing_fields = serializers.SerializerMethodField(help_text="草稿缺少的字段")
    channel_display = serializers.CharField(source="get_channel_display")
    product_model = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    contact_email = serializers.CharField(read_only=True, help_text="客户邮箱（可为空）")
    attachments = serializers.SerializerMethodField()
    refused_attachments = serializers.SerializerMethodField(help_text="被拒收的附件及原因（仅创建时返回）")
    url = serializers.SerializerMethodField(help_text="系统内该反馈的页面")

    class Meta:
        model = Feedback
        fields = [
            "number",
            "status",
            "status_display",
            "complete",
            "missing_fields",
            *REGISTRATION_FIELDS,
            "channel_display",
            "created_at",
            "registered_at",
            "registration_due_at",
            "attachments",
            "refused_attachments",
            "url",
        ]
        read_only_fields = fields

    def get_complete(self, feedback: Feedback) -> bool:
        return feedback.status != "draft"

    def get_missing_fields(self, feedback: Feedback) -> list[str]:
        if feedback.status != "draft":
            return []
        return missing_fields(
            {f: getattr(feedback, f) for f in REGISTRATION_FIELDS}, at=feedback.feedback_time
        )

    def get_attachments(self, feedback: Feedback) -> list[dict]:
        return [{"name": a.original_name, "size": a.size, "kind": a.kind} for a in feedback.attachments.all()]

    def get_refused_attachments(self, feedback: Feedback) -> list[dict]:
        return [{"name": f["name"], "reason": f["reason"]} for f in self.context.get("refused", [])]

    def get_url(self, feedback: Feedback) -> str:
        return f"{settings.SITE_URL.rstrip('/')}{feedback.get_absolute_url()}"


EXAMPLE_COMPLETE = OpenApiExample(
    "完整登记",
    summary=str(gettext_lazy("A complete registration")),
    value={
        "customer_name": "王先生",
        "contact_phone": "13812345678",
        "product_model": "KFR-35GW",
        "serial_number": "B2405-0012",
        "purchase_date": "2026-03-15",
        "feedback_time": "2026-05-10T14:30:00+08:00",
        "channel_detail": "在线客服会话 #88231",
        "description": "空调使用1个月后制冷效果明显下降，出风口温度18℃。",
        "customer_requests": ["repair"],
    },
    request_only=True,
)
EXAMPLE_DRAFT = OpenApiExample(
    "草稿（缺少购买日期、客户诉求）",
    value={"customer_name": "李女士", "contact_phone": "0755-12345678", "description": "冰箱冷藏室不制冷"},
    request_only=True,
)
EXAMPLE_OUTPUT = OpenApiExample(
    "已登记",
    value={
        "number": "PF202605001",
        "status": "registered",
        "status_display": "待核实",
        "complete": True,
        "missing_fields": [],
        "customer_name": "王先生",
        "contact_phone": "13812345678",
        "contact_email": "",
        "product_model": "KFR-35GW",
        "serial_number": "B2405-0012",
        "purchase_date": "2026-03-15",
        "feedback_time": "2026-05-10T14:30:00+08:00",
        "channel": "online_chat",
        "channel_display": "在线客服",
        "channel_detail": "在线客服会话 #88231",
        "description": "空调使用1个月后制冷效果明显下降，出风口温度18℃。",
        "customer_requests": ["repair"],
        "created_at": "2026-05-10T14:31:02+08:00",
        "registered_at": "2026-05-10T14:31:02+08:00",
        "registration_due_at": "2026-05-11T23:59:59+08:00",
        "attachments": [{"name": "照片.jpg", "size": 182344, "kind": "image"}],
        "refused_attachments": [{"name": "setup.exe", "reason": "“setup.exe”不是可接受的文件类型……"}],
        "url": "https://aftersales.example.com/feedback/PF202605001/",
    },
    response_only=True,
    status_codes=["201", "200"],
)
