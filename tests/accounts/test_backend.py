"""accounts.backends.ModelBackend gives every user the permissions and roles Django's ModelBackend gives them,
in one query instead of three, and loads the user's department with the user (issue 10)."""

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import ModelBackend
from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_every_role_has_the_permissions_and_roles_django_gives_it(users):
    own = UserFactory(role=Role.CS_AGENT)  # a permission of their own beside their group's
    own.user_permissions.add(Permission.objects.get(codename="view_all_feedback"))
    two = UserFactory(role=Role.QUALITY_ENGINEER)
    two.groups.add(Group.objects.get(name=Role.MANAGEMENT))
    inactive = UserFactory(role=Role.QUALITY_ENGINEER, is_active=False)
    superuser = UserFactory(is_superuser=True)
    for user in [*users.values(), own, two, inactive, superuser]:
        ours, django = (
            ModelBackend().get_all_permissions(_fresh(user)),
            DjangoModelBackend().get_all_permissions(_fresh(user)),
        )
        assert ours == django, user.username
        expected_roles = set(user.groups.values_list("name", flat=True)) if user.is_active else set()
        assert _fresh(user).roles == expected_roles, user.username
    assert "feedback.view_all_feedback" in ModelBackend().get_all_permissions(_fresh(own))
    assert _fresh(two).has_role(Role.MANAGEMENT) and _fresh(two).has_role(Role.QUALITY_ENGINEER)
    assert not _fresh(inactive).has_perm("feedback.view_feedback")


def test_roles_and_every_permission_check_cost_one_query(users):
    user = _fresh(users[Role.DEPT_HEAD])
    with CaptureQueriesContext(connection) as queries:
        assert user.has_role(Role.DEPT_HEAD)
        assert user.has_perm("feedback.view_department_feedback")
        assert not user.has_perm("feedback.view_all_feedback")
        assert user.has_perm("corrective_actions.view_capa")
    assert len(queries) == 1


def test_a_revoked_role_is_gone_at_the_next_request(users):
    admin = users[Role.ADMINISTRATOR]
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("workcalendar:year")).status_code == 200
    admin.groups.clear()  # another administrator takes the role away

    assert client.get(reverse("workcalendar:year")).status_code == 404


def test_the_logged_in_user_comes_with_their_department(users):
    head = users[Role.DEPT_HEAD]
    user = ModelBackend().get_user(head.pk)
    with CaptureQueriesContext(connection) as queries:
        assert user.department.name == head.department.name
    assert len(queries) == 0
