"""`manage.py seed_demo` (what `make run` loads): one account per role that can log in, a home-appliance
catalogue, feedback at every stage of the loop, and a second run that changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from catalog.models import ProductModel
from feedback.models import Feedback, Status
from quality_loop.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_working_demo_and_is_idempotent(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()

    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists(), role
        assert f"({role})" in printed
    assert DEMO_PASSWORD in printed
    assert ProductModel.objects.filter(line__name="空调").exists()
    statuses = set(Feedback.objects.values_list("status", flat=True))
    assert {Status.DRAFT, Status.CLOSED, Status.IN_PROGRESS} <= statuses
    closed = Feedback.objects.filter(status=Status.CLOSED, close_reason="resolved").first()
    assert closed is not None and closed.callback.satisfaction and closed.capa.status == "effective"
    counts = (User.objects.count(), Feedback.objects.count())

    call_command("seed_demo", stdout=io.StringIO())

    assert (User.objects.count(), Feedback.objects.count()) == counts
    for user in User.objects.all():
        assert client.login(username=user.username, password=DEMO_PASSWORD), user.username
        # each lands on a working home page (management's is the dashboard, reached through a redirect)
        home = client.get(reverse("home"), follow=True)
        assert home.status_code == 200, user.username
        if user.has_role(Role.MANAGEMENT) and len(user.roles) == 1:
            assert home.redirect_chain[-1][0] == reverse("reports:dashboard")
        client.logout()
