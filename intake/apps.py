from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Channels in")

    def ready(self) -> None:
        from . import api_schema  # noqa: F401  (the token's OpenAPI security scheme)
