from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: the domain error types, the versioned lock-and-save helper, the admin bases. It imports
    no app of this project (docs/architecture.md)."""

    name = "core"
    verbose_name = "core"
