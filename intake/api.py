"""The integration API (/api/intake/…): another platform registers feedback and reads back what it registered.

- authentication: ``Authorization: Bearer <token>`` of an integration (401 when missing, wrong or revoked);
- a token creates feedback with its integration's channel, registered by the integration, and reads only the
  feedback its integration created (anything else: 404);
- ``Idempotency-Key``: a retried POST with the same key and body answers the first answer again (header
  ``Idempotent-Replayed: true``); the same key with another body answers 422;
- rate limit per integration: 429 with ``Retry-After``;
- errors: 400 with each bad field named, in the language of ``Accept-Language`` (Chinese by default)."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from feedback.models import Feedback, Status

from .api_auth import IntegrationRateThrottle, IntegrationTokenAuthentication, IsIntegration
from .api_serializers import EXAMPLE_COMPLETE, EXAMPLE_DRAFT, EXAMPLE_OUTPUT, IntakeInput, IntakeOutput
from .models import IdempotencyKey
from .registration import format_errors, intake_register

IDEMPOTENCY_HEADER = "Idempotency-Key"
UNAUTHORIZED = OpenApiResponse(description="令牌缺失、错误或已吊销")
TOO_MANY = OpenApiResponse(description="超过限速；Retry-After 给出秒数")
ERROR_EXAMPLES = [
    OpenApiExample(
        "字段错误",
        value={
            "contact_phone": [
                "请输入中国大陆手机号（以 1 开头的 11 位数字，如 13812345678）或带区号的固定电话（如 0755-12345678）。"
            ],
            "product_model": ["未知的产品型号：KFR-99XX。"],
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "令牌错误", value={"detail": "令牌错误或已被吊销。"}, response_only=True, status_codes=["401"]
    ),
    OpenApiExample(
        "请求过快",
        value={"detail": "请求超过了限速。 Expected available in 12 seconds."},
        response_only=True,
        status_codes=["429"],
    ),
]


class UnprocessableKey(exceptions.APIException):
    status_code = 422
    default_detail = gettext_lazy("This Idempotency-Key was used for another request body.")
    default_code = "idempotency_key_reused"


class _IntakeApi(generics.GenericAPIView):
    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsIntegration]
    throttle_classes = [IntegrationRateThrottle]
    serializer_class = IntakeOutput

    @property
    def integration(self):
        return self.request.auth.integration

    def get_queryset(self):
        """The one thing a token may read: what its integration registered."""
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no token
            return Feedback.objects.none()
        return (
            Feedback.objects.filter(registered_by=self.integration.service_user)
            .exclude(status=Status.VOIDED)
            .select_related("product_model")
            .prefetch_related("attachments")
            .order_by("-created_at", "-id")
        )


def _request_digest(request) -> str:
    """The body of the request as data, files by content: a retry with other values is another request."""
    fields = {}
    for key in sorted(request.data.keys()):
        values = request.data.getlist(key) if hasattr(request.data, "getlist") else [request.data[key]]
        fields[key] = [
            v if isinstance(v, str | int | float | bool | type(None) | list | dict) else _file_digest(v)
            for v in values
        ]
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"file:{getattr(upload, 'name', '')}:{digest.hexdigest()}"


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_digest != digest:
        raise UnprocessableKey
    return Response(
        record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
    )


class IntakeFeedbackListCreateApi(_IntakeApi):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="列出本集成登记的反馈",
        responses={
            200: IntakeOutput(many=True),
            401: UNAUTHORIZED,
            404: OpenApiResponse(description="页码不存在"),
            429: TOO_MANY,
        },
        tags=["intake"],
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(IntakeOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="登记一条反馈（草稿或完整登记）",
        description=(
            "所有必填项齐全（客户姓名、电话或邮箱、产品型号、购买日期、问题描述、客户诉求）时为完整登记，"
            "否则保存为草稿，由客服补全（missing_fields 列出缺少的字段）。渠道取本集成的渠道。"
            "附件用 multipart/form-data 的 attachments 字段上传；类型或大小不符的附件被拒收并说明原因，"
            "记录照常保存。带 Idempotency-Key 请求头重试时返回第一次的结果。"
        ),
        request={"application/json": IntakeInput, "multipart/form-data": IntakeInput},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="任意唯一字符串（如 UUID），最长 200；重试同一请求时带同一个值。",
            )
        ],
        responses={
            201: IntakeOutput,
            400: OpenApiResponse(description="字段错误：每个字段及原因"),
            401: UNAUTHORIZED,
            422: OpenApiResponse(description="Idempotency-Key 已用于另一个请求体"),
            429: TOO_MANY,
        },
        examples=[EXAMPLE_COMPLETE, EXAMPLE_DRAFT, EXAMPLE_OUTPUT, *ERROR_EXAMPLES],
        tags=["intake"],
    )
    def post(self, request):
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
        if len(key) > 200:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 200 characters.")]})
        incoming = IntakeInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        uploads = fields.pop("attachments", [])
        errors = format_errors(fields)
        if errors:
            raise exceptions.ValidationError(errors)
        digest = _request_digest(request) if key else ""
        with transaction.atomic():
            record = None
            if key:
                try:
                    with transaction.atomic():
                        record = IdempotencyKey.objects.create(
                            integration=self.integration, key=key, request_digest=digest
                        )
                except IntegrityError:  # the first request with this key has committed (or is committing)
                    return _replay(IdempotencyKey.objects.get(integration=self.integration, key=key), digest)
            registered = intake_register(integration=self.integration, data=fields, uploads=uploads)
            body = IntakeOutput(
                registered.feedback, context={"request": request, "refused": registered.refused_files}
            ).data
            if record is not None:
                record.response_status = status.HTTP_201_CREATED
                record.response_body = json.loads(json.dumps(body, default=str))
                record.feedback = registered.feedback
                record.save(update_fields=["response_status", "response_body", "feedback"])
        return Response(body, status=status.HTTP_201_CREATED)


class IntakeFeedbackDetailApi(_IntakeApi):
    @extend_schema(
        summary="读取本集成登记的一条反馈",
        responses={
            200: IntakeOutput,
            401: UNAUTHORIZED,
            404: OpenApiResponse(description="不存在，或不是本集成登记的"),
            429: TOO_MANY,
        },
        tags=["intake"],
    )
    def get(self, request, number: str):
        feedback = self.get_queryset().filter(number=number).first()
        if feedback is None:
            raise Http404
        return Response(IntakeOutput(feedback, context={"request": request}).data)
