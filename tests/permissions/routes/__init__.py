"""One module per app, each declaring its app's routes (tests/permissions/rules.py). Every module of this package
is imported: a new app adds its own module here, nothing else to change."""

import importlib
import pkgutil


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
