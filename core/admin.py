"""The admin bases: records change through the services only, so the admin reads.

``ReadOnlyAdminMixin``: no add, change or delete (no delete permission means no delete action either).

``HistoryAdmin``, for every model with history: the history can be read, never reverted.

django-simple-history's revert form (``history/<id>/``) saves whatever is posted back as long as the user may
view the model: it would rewrite a feedback's status or a CAPA form's round past every rule, with no version bump,
no clock moved and no notice. Records change through the services only, so the form is shown for reading (the
setting SIMPLE_HISTORY_REVERT_DISABLED hides its button) and a POST to it is refused for every model."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
