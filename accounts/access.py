"""A user's group names (their roles) and permissions, in one query, once per user object (accounts.backends
and ``User.roles`` read them; issue 10)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

CACHE = "_access_cache"


def _access_sql() -> str:
    user = get_user_model()
    groups = user.groups.through._meta.db_table
    own = user.user_permissions.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    perm, ctype, group = Permission._meta.db_table, ContentType._meta.db_table, Group._meta.db_table
    q = connection.ops.quote_name
    return f"""
        SELECT 'g', g.{q("name")}, '' FROM {q(group)} g
            JOIN {q(groups)} ug ON ug.{q("group_id")} = g.{q("id")} WHERE ug.{q("user_id")} = %s
        UNION
        SELECT 'p', ct.{q("app_label")}, p.{q("codename")} FROM {q(perm)} p
            JOIN {q(ctype)} ct ON ct.{q("id")} = p.{q("content_type_id")}
            JOIN {q(group_perms)} gp ON gp.{q("permission_id")} = p.{q("id")}
            JOIN {q(groups)} ug ON ug.{q("group_id")} = gp.{q("group_id")} WHERE ug.{q("user_id")} = %s
        UNION
        SELECT 'p', ct.{q("app_label")}, p.{q("codename")} FROM {q(perm)} p
            JOIN {q(ctype)} ct ON ct.{q("id")} = p.{q("content_type_id")}
            JOIN {q(own)} up ON up.{q("permission_id")} = p.{q("id")} WHERE up.{q("user_id")} = %s
    """


def access_of(user) -> tuple[frozenset[str], frozenset[str]]:
    """The names of ``user``'s groups and their permissions (``app_label.codename``, own and their groups'), in
    one query, once per user object."""
    cached = getattr(user, CACHE, None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute(_access_sql(), [user.pk] * 3)
            rows = cursor.fetchall()
        cached = (
            frozenset(name for kind, name, _codename in rows if kind == "g"),
            frozenset(f"{app}.{codename}" for kind, app, codename in rows if kind == "p"),
        )
        setattr(user, CACHE, cached)
    return cached
