"""Factories for the shared domain objects; by area: tests/factories/capa.py (CAPA forms, measures, the Loop), tests/factories/sla.py."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from feedback.models import Assignment, Channel, CustomerRequest, Feedback, Status

PASSWORD = "Pass-2026!"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role=Role.QUALITY_ENGINEER, department=...)``; every user's password is PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"line{n}")
    name = factory.Sequence(lambda n: f"产品线{n}")


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    line = factory.SubFactory(ProductLineFactory)
    code = factory.Sequence(lambda n: f"KFR-{n:03d}GW")
    name = "智能空调"


class FaultPhenomenonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultPhenomenon

    name = factory.Sequence(lambda n: f"故障{n}")


class FeedbackFactory(factory.django.DjangoModelFactory):
    """A registered feedback (status REGISTERED) built directly, without the registration service: for tests
    of reading, filtering and permissions. Tests of registration rules go through feedback.services."""

    class Meta:
        model = Feedback

    number = factory.Sequence(lambda n: f"PF209901{n + 1:03d}")
    status = Status.REGISTERED
    customer_name = factory.Sequence(lambda n: f"客户{n}")
    contact_phone = factory.Sequence(lambda n: f"138{n:08d}")
    product_model = factory.SubFactory(ProductModelFactory)
    purchase_date = dt.date(2026, 3, 15)
    feedback_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    channel = Channel.HOTLINE
    description = "空调使用1个月后制冷效果明显下降"
    customer_requests = factory.LazyFunction(lambda: [CustomerRequest.REPAIR])
    registered_by = factory.SubFactory(UserFactory, role=Role.CS_AGENT)
    cs_owner = factory.SelfAttribute("registered_by")
    registered_at = factory.LazyAttribute(lambda f: f.feedback_time + dt.timedelta(minutes=30))
    registration_due_at = factory.LazyAttribute(lambda f: f.feedback_time + dt.timedelta(days=1))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    feedback = factory.SubFactory(FeedbackFactory)
    department = factory.SubFactory(DepartmentFactory)
    owner = factory.SubFactory(
        UserFactory, role=Role.DEPT_MEMBER, department=factory.SelfAttribute("..department")
    )
    is_lead = True
    assigned_by = factory.SubFactory(UserFactory, role=Role.QUALITY_ENGINEER)
