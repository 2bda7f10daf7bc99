from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityLoopConfig(AppConfig):
    """The lifecycle steps that involve both a feedback and a CAPA form: verification to closing, contacts and the
    callback, the action pages, the loop panel, the workspaces, the demo data (docs/architecture.md)."""

    name = "quality_loop"
    verbose_name = _("Quality loop")

    def ready(self) -> None:
        from corrective_actions import ports

        from .capa_effects import LoopFeedbacks

        ports.provide(LoopFeedbacks())
