from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import CodedName

from .access import access_of
from .roles import Role


class Department(CodedName):
    """A responsible department (研发部, 生产部 …): data an administrator edits, never code."""

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class User(AbstractUser):
    """A person who logs in. Their role is a group (accounts.roles.Role); they belong to one department."""

    name = models.CharField(_("full name"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        return access_of(self)[0]  # the group names come with the permissions, in one query

    def has_role(self, *roles: Role | str) -> bool:
        return any(str(role) in self.roles for role in roles)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.roles) if r in Role.values]


class PersonalDataAccess(models.Model):
    """PIPL: one row each time a customer's full phone number or e-mail address was shown to someone (a record's
    detail page, its edit form, the API's detail, the admin), so that who saw whose contact details, and when,
    can be answered. Rows are only ever added (accounts.privacy.log_unmasking)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    accessed_at = models.DateTimeField(_("shown at"), default=timezone.now, db_index=True)
    record_kind = models.CharField(_("kind of record"), max_length=32, default="feedback")
    record = models.CharField(_("record"), max_length=32, db_index=True)
    fields = models.CharField(_("fields shown"), max_length=120)
    where = models.CharField(_("where"), max_length=32)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        permissions = [
            ("view_customer_contact", _("Can see customers' full phone numbers and e-mail addresses")),
        ]
        indexes = [models.Index(fields=["user", "accessed_at"], name="pda_user_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.record} {self.accessed_at:%Y-%m-%d %H:%M}"
