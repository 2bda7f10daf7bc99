"""Issue 11, finding 8: an empty POST to the registration and edit pages answers a form with errors, never 500.

``RegistrationForm(request.POST or None, ...)`` stayed unbound on an empty POST (an empty QueryDict is falsy),
and the view then read ``cleaned_data`` of a form that had never been validated."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from feedback.models import Feedback, Status
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def test_an_empty_post_to_the_registration_page_shows_the_form_with_errors_and_saves_nothing(client, users):
    client.force_login(users[Role.CS_AGENT])

    response = client.post(reverse("feedback:create"), {})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="registration-form"' in page
    assert "表单有错误" in page
    assert not Feedback.objects.exists()


def test_an_empty_post_to_the_edit_page_shows_the_form_with_errors_and_changes_nothing(client, users):
    feedback = FeedbackFactory(registered_by=users[Role.CS_AGENT], customer_name="张先生")
    version = feedback.version
    client.force_login(users[Role.CS_AGENT])

    response = client.post(reverse("feedback:edit", args=[feedback.number]), {})

    assert response.status_code in (400, 409)
    assert 'data-testid="registration-form"' in response.content.decode()
    feedback.refresh_from_db()
    assert (feedback.customer_name, feedback.version, feedback.status) == (
        "张先生",
        version,
        Status.REGISTERED,
    )


def test_an_empty_post_to_the_capa_form_page_names_what_is_missing(client, users, departments):
    from tests.factories import AssignmentFactory

    feedback = FeedbackFactory(registered_by=users[Role.CS_AGENT], status=Status.ASSIGNED)
    AssignmentFactory(
        feedback=feedback, department=departments["rd"], owner=users[Role.DEPT_MEMBER], is_lead=True
    )
    client.force_login(users[Role.DEPT_MEMBER])

    response = client.post(reverse("corrective_actions:create", args=[feedback.number]), {})

    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
