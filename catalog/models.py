from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import CodedName


class ProductLine(CodedName):
    """A family of products (空调, 冰箱 …)."""

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")


class ProductModel(models.Model):
    """A sellable model (智能空调 KFR-35GW): what customer service picks on registration."""

    line = models.ForeignKey(
        ProductLine, verbose_name=_("product line"), on_delete=models.PROTECT, related_name="models"
    )
    code = models.CharField(_("model number"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["line_id", "code"]
        verbose_name = _("product model")
        verbose_name_plural = _("product models")

    def __str__(self) -> str:
        return f"{self.name} {self.code}"


class FaultPhenomenon(models.Model):
    """A fault phenomenon (故障现象) from the catalogue; the monthly report ranks them (TOP 5)."""

    name = models.CharField(_("name"), max_length=64)
    line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fault_phenomena",
        help_text=_("Leave empty for a phenomenon that applies to every product line."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["line_id", "name"]
        verbose_name = _("fault phenomenon")
        verbose_name_plural = _("fault phenomena")
        constraints = [models.UniqueConstraint(fields=["line", "name"], name="unique_fault_per_line")]

    def __str__(self) -> str:
        return self.name
