from django.db import models
from django.utils.translation import gettext_lazy as _


class ClockKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    VERIFICATION = "verification", _("Verification")
    EMERGENCY = "emergency", _("Emergency response")
    CAPA_FORM = "capa_form", _("CAPA form")
    MEASURE = "measure", _("Measure")
    EFFECT_VERIFICATION = "effect_verification", _("Effect verification")
    CALLBACK = "callback", _("Satisfaction callback")
