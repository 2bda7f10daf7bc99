"""The feedback API: thin views over the same services and selectors as the pages.

Every status an operation can answer is in the published schema (/api/schema/, for logged-in users and HTTP
Basic clients only): 200/201, 400 (field → messages), 401, 403, 404 (not found and not visible look the same),
409 (stale version), 429 (an address braked after failed logins)."""

import django_filters
from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, pagination, parsers, serializers, status
from rest_framework.response import Response

from catalog.models import FaultPhenomenon

from . import services
from .api_serializers import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    TOO_MANY,
    UNAUTHORIZED,
    FeedbackOutput,
    RegistrationInput,
    UpdateInput,
)
from .filters import FeedbackFilter, IdOrNoneFilter
from .models import Feedback, Status
from .privacy import contact_for
from .selectors import feedback_get_visible, feedback_visible_to

MAX_ID = 2**31 - 1
NOTHING_TYPED = _("Nothing was entered: fill in at least the customer or the problem before saving.")


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=MAX_ID, **kwargs)


class StrictFilterForm(forms.Form):
    """A typed parameter (a date, a number, a choice) given empty is an error, not "no filter": ``?received_to=``
    is no date. An empty text parameter (``?customer=``) is a search for anything, as on the list page."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            typed = not isinstance(field, forms.CharField)
            if typed and name in self.data and any(value == "" for value in self.data.getlist(name)):
                self.add_error(name, _("Enter a value, or leave the parameter out."))
        return cleaned


class FeedbackApiFilter(FeedbackFilter):
    """The list page's filters, as strict as the schema says. A product model is given by its id; an id that
    names no product model (0, say) simply matches nothing, as a search would, instead of refusing the request."""

    product_model = IdFilter(field_name="product_model_id", label=_("Product model"))
    # The drill-down filters (feedback.filters) likewise: an id that names nothing finds nothing.
    product_line = IdFilter(field_name="product_model__line_id", label=_("Product line"))
    department = IdFilter(method="filter_department", label=_("Responsible department"))
    clock_department = IdFilter(method="_later", label=_("Deadline of department"))
    agent = IdFilter(field_name="registered_by_id", label=_("Registered by (user id)"))
    fault = IdOrNoneFilter(
        field_name="fault_phenomenon_id",
        label=_("Fault phenomenon"),
        model=FaultPhenomenon,
        unknown=_("Unknown fault phenomenon."),
        must_exist=False,
    )

    class Meta(FeedbackFilter.Meta):
        form = StrictFilterForm


class FeedbackPagination(pagination.PageNumberPagination):
    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class KnownParametersOnly:
    """A query parameter the operation does not have is refused (400 naming it), not ignored: a mistyped filter
    would otherwise answer everything."""

    known_parameters: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # a method the operation does not have answers 405, whatever its parameters
        allowed = self.known_parameters | {"format"}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and request.method == "GET":
            allowed |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {
                    "detail": [
                        _("Unknown parameter: %(names)s.") % {"names": ", ".join(repr(n) for n in unknown)}
                    ]
                }
            )


def _detail(request, feedback: Feedback) -> dict:
    """One feedback: the contact in full (and the showing logged) for who may see it, masked for the others."""
    contact = contact_for(request, feedback, where="API")
    return FeedbackOutput(feedback, context={"unmask": not contact.masked}).data


def _typed_anything(fields: dict) -> bool:
    return any(value for name, value in fields.items() if name != "feedback_time")


class FeedbackListCreateApi(KnownParametersOnly, generics.ListAPIView):
    """GET: the feedback the user may see, with the list page's filters. POST: register a feedback."""

    serializer_class = FeedbackOutput
    parser_classes = [parsers.JSONParser]
    filterset_class = FeedbackApiFilter
    pagination_class = FeedbackPagination
    known_parameters = frozenset({"page"})

    def get_queryset(self):
        qs = feedback_visible_to(self.request.user).order_by("-feedback_time", "-id")
        if not self.request.query_params.getlist("status"):
            qs = qs.exclude(status=Status.VOIDED)
        return qs.select_related("registered_by")

    @extend_schema(
        responses={
            200: FeedbackOutput(many=True),
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        }
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RegistrationInput,
        responses={201: FeedbackOutput, 400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: TOO_MANY},
    )
    def post(self, request):
        if not services.can_register(request.user):
            raise exceptions.PermissionDenied
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        complete = fields.pop("complete")
        if not complete and not _typed_anything(fields):
            raise serializers.ValidationError({"detail": [NOTHING_TYPED]})
        feedback = services.feedback_register(actor=request.user, data=fields, complete=complete)
        return Response(_detail(request, feedback), status=status.HTTP_201_CREATED)


NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("Feedback number"))


class FeedbackDetailApi(KnownParametersOnly, generics.GenericAPIView):
    serializer_class = FeedbackOutput
    parser_classes = [parsers.JSONParser]

    def get_object(self) -> Feedback:
        return feedback_get_visible(self.request.user, self.kwargs["number"])

    @extend_schema(
        parameters=[NUMBER],
        responses={200: FeedbackOutput, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: TOO_MANY},
    )
    def get(self, request, number: str):
        return Response(_detail(request, self.get_object()))

    @extend_schema(
        parameters=[NUMBER],
        request=UpdateInput,
        responses={
            200: FeedbackOutput,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: CONFLICT,
            429: TOO_MANY,
        },
    )
    def patch(self, request, number: str):
        feedback = self.get_object()
        if not services.can_edit_registration(request.user, feedback):
            raise Http404
        data = UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        complete = fields.pop("complete", False)
        if "version" not in fields:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        version = fields.pop("version")
        feedback = services.feedback_update_registration(
            feedback=feedback, actor=request.user, data=fields, expected_version=version, complete=complete
        )
        return Response(_detail(request, feedback))
