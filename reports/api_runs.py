"""The report runs through the API: list them, request one (a month or a date range), read its status, download
its workbook. The same rule as the pages: quality and management only; for everybody else the operations answer
404 (not found and not allowed look the same). The request never builds the workbook: the worker does."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, parsers, renderers, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from catalog.models import ProductLine
from feedback.api import MAX_ID, FeedbackPagination, KnownParametersOnly
from feedback.api_serializers import BAD_REQUEST, FORBIDDEN, TOO_MANY, UNAUTHORIZED, ErrorOutput

from . import services
from .forms_runs import ReportRequestSerializer
from .models import ReportRun
from .views_runs import XLSX, reports_only, run_file_response

NOT_FOUND = OpenApiResponse(
    ErrorOutput, description="No such report, or reports are not for your role (they look the same)."
)
RUN_ID = OpenApiParameter(
    "run_id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="Report run id",
)
EXAMPLE_RUN = {
    "id": 12,
    "kind": "monthly",
    "kind_label": "月度报告",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "period_label": "2026年11月",
    "product_line": None,
    "status": "running",
    "status_label": "生成中",
    "progress": 42,
    "error": "",
    "requested_by": None,
    "created_at": "2026-12-01T01:00:00+08:00",
    "started_at": "2026-12-01T01:00:01+08:00",
    "finished_at": None,
    "file_size": 0,
    "download_url": None,
}
EXAMPLES = [
    OpenApiExample("按月", value={"month": "2026-11"}, request_only=True),
    OpenApiExample("按日期范围", value={"start": "2026-10-01", "end": "2026-10-31"}, request_only=True),
    OpenApiExample("生成中", value=EXAMPLE_RUN, response_only=True, status_codes=["200", "201"]),
    OpenApiExample(
        "输入错误",
        value={"end": ["结束日期早于开始日期。"]},
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample("不存在", value={"detail": "未找到。"}, response_only=True, status_codes=["404"]),
]
DOWNLOAD_EXAMPLES = [
    OpenApiExample("不存在", value={"detail": "未找到。"}, response_only=True, status_codes=["404"]),
    OpenApiExample(
        "尚未生成",
        value={"detail": "报表尚未生成完毕：请查看其状态。"},
        response_only=True,
        status_codes=["409"],
    ),
]


class ReportRunOutput(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", help_text="月度报告 / 日期范围报告")
    status_label = serializers.CharField(source="get_status_display")
    period_label = serializers.CharField()
    requested_by = serializers.SerializerMethodField(
        help_text="Who asked; null: the scheduled monthly build."
    )
    download_url = serializers.SerializerMethodField(help_text="The workbook (.xlsx) once done, else null.")

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "kind_label",
            "period_start",
            "period_end",
            "period_label",
            "product_line",
            "status",
            "status_label",
            "progress",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "file_size",
            "download_url",
        ]
        read_only_fields = fields

    def get_requested_by(self, run: ReportRun) -> str | None:
        return str(run.requested_by) if run.requested_by_id else None

    def get_download_url(self, run: ReportRun) -> str | None:
        return reverse("api-report-run-download", args=[run.pk]) if run.downloadable else None


class ReportRunListCreateApi(KnownParametersOnly, generics.GenericAPIView):
    """GET: every report run, newest first. POST: request one (201 new; 200 the same one already requested)."""

    serializer_class = ReportRunOutput
    parser_classes = [parsers.JSONParser]
    pagination_class = FeedbackPagination
    filterset_class = None
    filter_backends: list = []
    known_parameters = frozenset({"page"})

    def get_queryset(self):
        return services.report_runs_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="列出报表（最新在前）",
        responses={
            200: ReportRunOutput(many=True),
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["reports"],
    )
    def get(self, request):
        reports_only(request)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReportRunOutput(page, many=True).data)

    @extend_schema(
        summary="申请生成分析报告（按月或日期范围）",
        description=(
            "month（YYYY-MM）或 start+end（日期范围），可选 product_line。报告由后台任务生成："
            "用 GET /api/reports/runs/{run_id}/ 查看进度，完成后 download_url 可下载。"
            "同一个已结束月份的月度报告只生成一次：再次申请返回已有的那份（200）。"
        ),
        request=ReportRequestSerializer,
        responses={
            200: ReportRunOutput,
            201: ReportRunOutput,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        examples=EXAMPLES,
        tags=["reports"],
    )
    def post(self, request):
        reports_only(request)
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line_id = data.validated_data["product_line_id"]
        product_line = ProductLine.objects.filter(pk=line_id).first() if line_id else None
        run, created = services.report_request(
            period=data.validated_data["period"], actor=request.user, product_line=product_line
        )
        return Response(
            ReportRunOutput(run).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ReportRunDetailApi(KnownParametersOnly, generics.GenericAPIView):
    serializer_class = ReportRunOutput

    @extend_schema(
        summary="报表状态（排队 / 生成中 n% / 完成 / 失败及原因）",
        parameters=[RUN_ID],
        responses={200: ReportRunOutput, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: TOO_MANY},
        examples=EXAMPLES[2:],
        tags=["reports"],
    )
    def get(self, request, run_id: int):
        reports_only(request)
        return Response(ReportRunOutput(services.report_run_get_visible(request.user, run_id)).data)


NOT_READY = _("The report is not built yet: see its status.")
NOT_READY_FAILED = _("The report's build failed: see its status, and retry it on the report centre.")


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class _AlwaysJson(DefaultContentNegotiation):
    """The download answers a file, or an error as JSON, whatever the Accept header asks for."""

    def select_renderer(self, request, renderers_, format_suffix=None):
        renderer = renderers.JSONRenderer()
        return renderer, renderer.media_type


class ReportRunDownloadApi(KnownParametersOnly, generics.GenericAPIView):
    serializer_class = ReportRunOutput
    content_negotiation_class = _AlwaysJson

    @extend_schema(
        summary="下载报表工作簿（.xlsx）",
        parameters=[RUN_ID],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorOutput,
                description="The report is not built yet (queued or running: see its status), or its build failed.",
            ),
            429: TOO_MANY,
        },
        examples=DOWNLOAD_EXAMPLES,
        tags=["reports"],
    )
    def get(self, request, run_id: int):
        reports_only(request)
        run = services.report_run_get_visible(request.user, run_id)
        if not run.downloadable:
            raise NotReady(NOT_READY_FAILED if run.failed else NOT_READY)
        return run_file_response(run)
