import pytest
from django.utils import translation

from workcalendar.calendar import forget_cached_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test starts from the calendar in its own database (the process cache is per process, not per test)."""
    forget_cached_calendar()
    yield
    forget_cached_calendar()


@pytest.fixture(autouse=True)
def _english_messages():
    """Service tests read the refusal messages in English (their msgids); the pages are tested in Chinese."""
    with translation.override("en"):
        yield
