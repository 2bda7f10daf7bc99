"""Abstract model bases (no tables of their own)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodedName(models.Model):
    """Reference data an administrator edits: a unique code and name, switched off rather than deleted. Its name
    is how it shows. A concrete model declares its own Meta (ordering, verbose names) and history."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
