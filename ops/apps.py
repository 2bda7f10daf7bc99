from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: the health endpoint for load balancers and monitoring, and the heartbeats it reads."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (beat's heartbeat, recorded when beat sends it)
