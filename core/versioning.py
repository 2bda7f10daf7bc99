"""Optimistic versions under a row lock: every record a form edits carries ``version``. A change re-reads the row
with ``SELECT … FOR UPDATE``, refuses a form opened on an older version (``StaleError``), and saves with the
version bumped and the history line attributed to the actor with the reason (django-simple-history)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

from .errors import StaleError


def lock_versioned(
    queryset: models.QuerySet,
    pk: int,
    *,
    expected_version: int | None,
    stale_message: Callable[[models.Model], str],
):
    """The row ``pk`` of ``queryset`` (which says what to lock: ``select_for_update(of=…)``), re-read under the
    lock; ``StaleError(stale_message(row))`` when ``expected_version`` is given and is not the row's."""
    locked = queryset.get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleError(stale_message(locked))
    return locked


def save_versioned(
    obj: models.Model,
    *,
    actor,
    reason: str = "",
    update_fields: list[str] | None = None,
    clean_exclude: list[str] | None = None,
    also_update: tuple[str, ...] = (),
    changes: dict | None = None,
) -> None:
    """Save ``obj`` with its version bumped and the history line attributed to ``actor`` with ``reason``;
    ``changes`` (field → value) are set first and saved with ``update_fields``; ``clean_exclude``: run
    ``full_clean`` first, leaving out these fields (None: no clean)."""
    if changes:
        for field, value in changes.items():
            setattr(obj, field, value)
        update_fields = [*(update_fields or ()), *changes]
    obj.version += 1
    obj._history_user = actor
    obj._change_reason = reason or None
    if clean_exclude is not None:
        obj.full_clean(exclude=clean_exclude)
    obj.save(update_fields=[*update_fields, "version", *also_update] if update_fields is not None else None)


def save_checked(obj: models.Model, *, actor, clean_exclude: list[str] | None = None) -> None:
    """Save a record a person wrote (new, or without a version of its own): validated first, the history line
    attributed to ``actor``."""
    obj._history_user = actor
    obj.full_clean(exclude=clean_exclude)
    obj.save()
