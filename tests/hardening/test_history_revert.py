"""Issue 11, finding 7: django-simple-history's revert form must not rewrite a record past the services.

Its ``history_form_view`` saves whatever is posted back as long as the user may *view* the model; on the
read-only feedback and CAPA admins every field is read-only, so an empty form was enough to put a closed feedback
back to an old status with no version bump and no clock touched. Reverting is disabled for every model with
history in the admin: the form is shown for reading, a POST is refused (403) and nothing changes."""

import datetime as dt

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Department, User
from accounts.roles import Role
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from corrective_actions.models import Capa, CapaStatus, Measure
from feedback.models import Feedback, Status
from sla.models import ClockKind, SlaSetting
from tests.factories import (
    DepartmentFactory,
    FaultPhenomenonFactory,
    FeedbackFactory,
    ProductLineFactory,
    ProductModelFactory,
    UserFactory,
)
from tests.factories.capa import CapaFactory, MeasureFactory
from workcalendar.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def _changed(obj, **changes):
    """Save ``obj`` once more with ``changes``: it then has an older history row to revert to."""
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()
    return obj


def _sla_setting() -> SlaSetting:
    # seeded by a migration; a transactional test earlier in the process may have emptied the table
    return SlaSetting.objects.get_or_create(kind=ClockKind.REGISTRATION, defaults={"length_working_days": 1})[
        0
    ]


# One maker per model with history in the admin: the record, and a change after its first history row. A model
# registered with SimpleHistoryAdmin and missing here fails test_every_history_admin_is_covered.
MAKERS = {
    Department: lambda: _changed(DepartmentFactory(name="旧名称部"), name="新名称部"),
    User: lambda: _changed(UserFactory(name="旧名字"), name="新名字"),
    ProductLine: lambda: _changed(ProductLineFactory(name="旧产品线"), name="新产品线"),
    ProductModel: lambda: _changed(ProductModelFactory(name="旧型号"), name="新型号"),
    FaultPhenomenon: lambda: _changed(FaultPhenomenonFactory(name="旧故障"), name="新故障"),
    Feedback: lambda: _changed(FeedbackFactory(), status=Status.CLOSED, close_reason="resolved"),
    Capa: lambda: _changed(CapaFactory(status=CapaStatus.DRAFT), status=CapaStatus.EFFECTIVE),
    Measure: lambda: _changed(
        MeasureFactory(), state=Measure.State.COMPLETED, completed_date=dt.date(2026, 5, 1)
    ),
    CalendarDay: lambda: _changed(
        CalendarDay.objects.create(date=dt.date(2031, 5, 5), is_working=False, name="旧"), name="新"
    ),
    CalendarYear: lambda: _changed(CalendarYear.objects.create(year=2031, note="旧"), note="新"),
    SlaSetting: lambda: _changed(
        _changed(_sla_setting(), length_working_days=3),
        length_working_days=4,
    ),
}


def _history_admins():
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    }


def _post_data(model_admin, request, obj) -> dict:
    """What the history form would post back: the form's fields filled with the old version's values."""
    form = model_admin.get_form(request, obj)(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    return data


def test_every_history_admin_is_covered():
    assert set(_history_admins()) == set(MAKERS), "a model with history in the admin needs a maker above"


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)
@pytest.mark.parametrize("who", ["superuser", Role.ADMINISTRATOR])
def test_posting_the_history_form_back_is_refused_and_changes_nothing(
    client, rf, users, superuser, model, who
):
    actor = superuser if who == "superuser" else users[Role.ADMINISTRATOR]
    model_admin = _history_admins()[model]
    obj = MAKERS[model]()
    oldest = obj.history.order_by("history_id").first()
    assert obj.history.count() >= 2
    before = model_to_dict(model.objects.get(pk=obj.pk))
    history_rows = obj.history.count()
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[obj.pk, oldest.history_id],
    )
    client.force_login(actor)
    request = rf.get(url)
    request.user = actor
    data = _post_data(model_admin, request, oldest.instance)

    response = client.post(url, data)

    assert response.status_code == 403
    assert model_to_dict(model.objects.get(pk=obj.pk)) == before
    assert obj.history.count() == history_rows


def test_the_history_form_still_shows_an_old_version_for_reading_without_a_revert_button(client, superuser):
    feedback = MAKERS[Feedback]()
    oldest = feedback.history.order_by("history_id").first()
    client.force_login(superuser)

    response = client.get(
        reverse("admin:feedback_feedback_simple_history", args=[feedback.pk, oldest.history_id])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "恢复" not in page  # "Revert" in the Chinese admin
    assert 'name="_save"' not in page
