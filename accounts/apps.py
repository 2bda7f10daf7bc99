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


def _group_label(group) -> str:
    """A role group reads as its label (客服专员), not its code (cs_agent), wherever the admin shows it."""
    from .roles import role_label

    return role_label(group.name)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and departments")

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_login_activity

        user_logged_in.connect(mark_login_activity, dispatch_uid="accounts.login_activity")

        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="accounts.sync_roles")
        # Groups are the roles; their names are stable codes the code refers to (accounts.roles.Role). What a
        # person reads is the label, in their language: the admin's group list, the user form's role selector,
        # the filters and every title show str(group).
        Group.__str__ = _group_label
