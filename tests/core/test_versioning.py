"""The versioned save: the changes set and saved in one history line, the version bumped; nothing else written."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Department
from accounts.roles import Role
from core.versioning import save_checked, save_versioned
from feedback.models import Feedback
from tests.factories import FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_changes_are_saved_with_the_version_and_the_history_line():
    actor = UserFactory(role=Role.QUALITY_ENGINEER)
    feedback = FeedbackFactory(serial_number="SN-1")
    version, history = feedback.version, feedback.history.count()
    feedback.serial_number = "not saved"  # a field outside the changes stays as stored
    save_versioned(feedback, actor=actor, reason="moved", changes={"customer_name": "王女士"})
    stored = Feedback.objects.get(pk=feedback.pk)
    assert (stored.customer_name, stored.serial_number, stored.version) == ("王女士", "SN-1", version + 1)
    line = stored.history.first()
    assert stored.history.count() == history + 1
    assert (line.history_user_id, line.history_change_reason) == (actor.pk, "moved")


def test_a_new_record_is_validated_before_it_is_saved():
    actor = UserFactory(role=Role.QUALITY_ENGINEER)
    with pytest.raises(ValidationError) as refused:
        save_checked(Department(code="", name="售后部"), actor=actor)
    assert "code" in refused.value.message_dict
    assert not Department.objects.filter(name="售后部").exists()
