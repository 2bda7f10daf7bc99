from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Deadlines")

    def ready(self) -> None:
        from workcalendar.signals import calendar_changed

        from .tasks import recompute_after_calendar_change

        calendar_changed.connect(
            recompute_after_calendar_change, dispatch_uid="sla.recompute_on_calendar_change"
        )
