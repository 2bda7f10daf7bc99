"""The management figures as JSON: exactly what ``reports.selectors.dashboard`` returns, for the dashboard's
permissions (quality and management everything, a department head their department, everybody else 404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from feedback.api import KnownParametersOnly
from feedback.api_serializers import BAD_REQUEST, TOO_MANY, UNAUTHORIZED, ErrorOutput

from . import selectors
from .periods import PeriodSerializer

NOT_FOUND = OpenApiResponse(ErrorOutput, description="Your role does not see the management figures.")

_RATE_ITEM = {"key": "functional", "label": "功能性问题", "count": 6, "share": 0.5, "drill": {}}
EXAMPLE = {
    "period": {"start": "2026-10-01", "end": "2026-10-31", "label": "2026年10月"},
    "scope": {"department_id": None, "product_line_id": None},
    "generated_at": "2026-11-03T02:00:00+00:00",
    "summary": {
        "period": {"start": "2026-10-01", "end": "2026-10-31", "label": "2026年10月"},
        "previous_period": {"start": "2026-09-01", "end": "2026-09-30", "label": "2026年9月"},
        "metrics": [
            {
                "key": "feedback",
                "label": "反馈数",
                "kind": "count",
                "value": 12,
                "previous": 2,
                "change": "up",
                "drill": {"received_from": "2026-10-01", "received_to": "2026-10-31"},
            }
        ],
    },
    "category_share": {
        "total": 12,
        "items": [
            {
                **_RATE_ITEM,
                "drill": {
                    "received_from": "2026-10-01",
                    "received_to": "2026-10-31",
                    "category": "functional",
                },
            }
        ],
    },
    "sla_compliance": {
        "clocks": [
            {
                "kind": "capa_form",
                "label": "纠正与预防措施表",
                "met": 1,
                "missed": 1,
                "overdue": 1,
                "total": 3,
                "rate": 0.3333,
                "drill": {
                    "met": {
                        "clock_kind": "capa_form",
                        "clock_outcome": "met",
                        "clock_due_from": "2026-10-01",
                        "clock_due_to": "2026-10-31",
                    }
                },
            }
        ]
    },
    "…": "volume_per_day, volume_trend_12m, severity_mix, channel_mix, top_faults, top_models, "
    "department_efficiency, satisfaction, satisfaction_trend_12m, capa_first_time_effectiveness, "
    "registration_timeliness, backlog: see reports/selectors.py",
}


class DashboardApi(KnownParametersOnly, generics.GenericAPIView):
    """GET: every management figure of a period (``month``, or ``preset``, or ``start`` + ``end``; the current month
    without any), optionally for one ``product_line``. Each counted item carries ``drill``: the query parameters of
    the feedback list (``/feedback/?…``, also ``/api/feedback/?…``) that list exactly the feedback counted."""

    serializer_class = PeriodSerializer
    known_parameters = frozenset({"month", "preset", "start", "end", "product_line"})
    pagination_class = None

    @extend_schema(
        operation_id="reports_dashboard",
        summary=_("Management figures of a period"),
        parameters=[PeriodSerializer],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="reports.selectors.dashboard(period, scope): one key per figure.",
                examples=[OpenApiExample("October 2026", value=EXAMPLE)],
            ),
            400: OpenApiResponse(
                BAD_REQUEST.response,
                description="Invalid period or filter: end before start, a future month or date, a range over "
                "24 months, an unknown product line.",
                examples=[
                    OpenApiExample("End before start", value={"end": ["结束日期早于开始日期。"]}),
                    OpenApiExample("Unknown product line", value={"product_line": ["未知的产品线。"]}),
                ],
            ),
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
    )
    def get(self, request):
        scope_user = selectors.scope_for(request.user)  # 404 before anything is read for who may not see it
        params = PeriodSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scope = selectors.Scope(
            department_id=scope_user.department_id, product_line_id=data["product_line_id"]
        )
        return Response(selectors.dashboard(data["period"], scope))
