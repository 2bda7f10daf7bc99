from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrectiveActionsConfig(AppConfig):
    name = "corrective_actions"
    verbose_name = _("Corrective actions")
