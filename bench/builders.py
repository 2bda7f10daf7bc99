"""What the bench data sets are built from: people with a role, departments, a product catalogue, one template
feedback and its copies by the thousand (one INSERT … SELECT over generate_series, each column either the
template's or an SQL expression of the series number ``g``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import Department, User
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from feedback.models import Feedback, Status
from quality_loop.management.commands.seed_demo import DEPARTMENTS

DESCRIPTION = "空调使用1个月后，制冷效果明显下降。"


def user(username: str, role: str, department: Department | None = None) -> User:
    """A user of one role (the group of that name), named as its username."""
    created = User.objects.create(username=username, name=username, department=department)
    created.groups.add(Group.objects.get(name=role))
    return created


def departments(count: int = len(DEPARTMENTS)) -> list[Department]:
    """The first ``count`` of the demo's departments (研发部, 生产部, 供应链部, 售后服务部, 质量部, 客服部)."""
    return [Department.objects.create(code=code, name=name) for code, name in DEPARTMENTS[:count]]


def catalogue() -> tuple[list[ProductLine], list[ProductModel], list[FaultPhenomenon]]:
    """Three product lines, 20 models spread over them and 30 fault phenomena."""
    lines = [
        ProductLine.objects.create(code=c, name=n)
        for c, n in (("ac", "空调"), ("fridge", "冰箱"), ("tv", "电视"))
    ]
    models = [
        ProductModel.objects.create(line=lines[i % 3], code=f"M-{i:02d}", name=f"型号{i:02d}")
        for i in range(20)
    ]
    faults = [FaultPhenomenon.objects.create(name=f"故障现象{i:02d}") for i in range(30)]
    return lines, models, faults


def pick(values: list[str], seed: str = "g") -> str:
    """SQL for a value chosen by the series number (% is doubled: the statement has parameters)."""
    return f"(ARRAY[{','.join(values)}])[1 + ({seed}) %% {len(values)}]"


def registered_by(agents: list[User]) -> dict[str, str]:
    """Overrides for ``copy_feedback``: each copy registered and owned by one of ``agents``, in turn."""
    agent = pick([str(a.pk) for a in agents])
    return {"registered_by_id": agent, "cs_owner_id": agent}


def classified(faults: list[FaultPhenomenon]) -> dict[str, str]:
    """Overrides for ``copy_feedback``: a category, a fault phenomenon and a severity for 19 feedbacks in 20 (the
    20th unclassified), the phenomena skewed (low numbers frequent: a Pareto worth drawing)."""
    return {
        "category": "CASE WHEN g %% 20 = 0 THEN '' ELSE "
        + pick(["'functional'", "'functional'", "'performance'", "'appearance'", "'service'"], "g / 3")
        + " END",
        "fault_phenomenon_id": "CASE WHEN g %% 20 = 0 THEN NULL ELSE "
        + pick([str(f.pk) for f in faults], "(g::bigint * g) %% 900 / 30")
        + " END",
        "severity": "CASE WHEN g %% 20 = 0 THEN '' WHEN g %% 19 = 0 THEN 'III' WHEN g %% 4 = 0 THEN 'II' "
        "ELSE 'I' END",
    }


def template_feedback(
    model: ProductModel, agent: User, when: dt.datetime, description: str = DESCRIPTION, **fields
) -> Feedback:
    """The registered feedback the bulk copies start from (``fields`` add to or replace its values)."""
    values = {
        "number": "PF0000000000",
        "status": Status.REGISTERED,
        "customer_name": "客户",
        "contact_phone": "13800000000",
        "product_model": model,
        "channel": "hotline",
        "description": description,
        "customer_requests": ["repair"],
        "purchase_date": dt.date(2025, 6, 18),
        "registered_by": agent,
        "cs_owner": agent,
        "feedback_time": when,
        "registered_at": when,
        "registration_due_at": when,
        **fields,
    }
    return Feedback.objects.create(**values)


def copy_feedback(template: Feedback, count: int, overrides: dict[str, str]) -> None:
    """Insert ``count`` copies of ``template``: each column the template's, or the SQL in ``overrides`` (by column
    name), evaluated for the series number ``g`` (1 … count) with the template as ``t``. Copy g is PF + g on 10
    digits unless ``overrides`` number them otherwise."""
    overrides = {"number": "'PF' || lpad(g::text, 10, '0')", **overrides}
    table = Feedback._meta.db_table
    columns = [f.column for f in Feedback._meta.concrete_fields if not f.primary_key]
    names = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{table}" t, generate_series(1, %s) g '
            "WHERE t.id = %s",
            [count, template.pk],
        )
