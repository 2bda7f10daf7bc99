from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .roles import sync_roles

    # post_migrate fires per app; make sure every app's permissions exist before the groups are filled.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and departments")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="accounts.sync_roles")
