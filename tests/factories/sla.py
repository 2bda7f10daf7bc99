"""Factories for deadlines tests: CAPA forms and measures built bare (the shared domain factories are in tests/factories/__init__.py)."""

import datetime as dt

import factory

from accounts.roles import Role
from corrective_actions.models import Capa, Measure
from tests.factories import DepartmentFactory, UserFactory


class CapaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capa

    number = factory.Sequence(lambda n: f"CA209901{n + 1:03d}")
    title = "压缩机异响"
    lead_department = factory.SubFactory(DepartmentFactory)
    created_by = factory.SubFactory(UserFactory, role=Role.DEPT_MEMBER)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    capa = factory.SubFactory(CapaFactory)
    kind = Measure.Kind.SHORT_TERM
    description = "更换压缩机减震垫"
    owner = factory.SubFactory(UserFactory, role=Role.DEPT_MEMBER)
    planned_date = dt.date(2025, 10, 20)
    created_by = factory.SelfAttribute("owner")
