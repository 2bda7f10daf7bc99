"""The feedback API: thin views over the same services and selectors as the pages."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from catalog.models import ProductModel

from . import services
from .filters import FeedbackFilter
from .models import Channel, CustomerRequest, Feedback, Status
from .selectors import feedback_get_visible, feedback_visible_to


class FeedbackOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    channel_display = serializers.CharField(source="get_channel_display")
    product_model = serializers.SlugRelatedField(slug_field="code", read_only=True)
    registered_by = serializers.StringRelatedField()
    cs_owner = serializers.StringRelatedField()
    registration_late = serializers.BooleanField(allow_null=True)

    class Meta:
        model = Feedback
        fields = [
            "number",
            "status",
            "status_display",
            "version",
            "customer_name",
            "contact_phone",
            "contact_email",
            "product_model",
            "serial_number",
            "purchase_date",
            "feedback_time",
            "channel",
            "channel_display",
            "channel_detail",
            "description",
            "customer_requests",
            "registered_by",
            "cs_owner",
            "created_at",
            "registered_at",
            "registration_due_at",
            "registration_late",
            "category",
            "severity",
        ]
        read_only_fields = fields


class RegistrationInput(serializers.Serializer):
    customer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    product_model = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all(), required=False, allow_null=True
    )
    serial_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    feedback_time = serializers.DateTimeField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    channel_detail = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    customer_requests = serializers.ListField(
        child=serializers.ChoiceField(choices=CustomerRequest.choices), required=False
    )
    complete = serializers.BooleanField(
        default=False, help_text=_("True completes the registration; false saves (or keeps) a draft.")
    )


class UpdateInput(RegistrationInput):
    version = serializers.IntegerField(
        help_text=_("The version you read; a newer one on the server refuses.")
    )


class FeedbackListCreateApi(generics.ListAPIView):
    """GET: the feedback the user may see, with the list page's filters. POST: register a feedback."""

    serializer_class = FeedbackOutput
    filterset_class = FeedbackFilter

    def get_queryset(self):
        qs = feedback_visible_to(self.request.user).order_by("-feedback_time", "-id")
        if not self.request.query_params.getlist("status"):
            qs = qs.exclude(status=Status.VOIDED)
        return qs.select_related("registered_by")

    @extend_schema(request=RegistrationInput, responses={201: FeedbackOutput})
    def post(self, request):
        if not services.can_register(request.user):
            raise exceptions.PermissionDenied
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        complete = fields.pop("complete")
        feedback = services.feedback_register(actor=request.user, data=fields, complete=complete)
        return Response(FeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


class FeedbackDetailApi(generics.GenericAPIView):
    serializer_class = FeedbackOutput

    def get_object(self) -> Feedback:
        return feedback_get_visible(self.request.user, self.kwargs["number"])

    def get(self, request, number: str):
        return Response(FeedbackOutput(self.get_object()).data)

    @extend_schema(request=UpdateInput, responses={200: FeedbackOutput})
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
        return Response(FeedbackOutput(feedback).data)
