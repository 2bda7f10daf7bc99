"""Shared fixtures are split by area; each module below has one owner."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.browser",
    "tests.fixtures.domain",
    "tests.fixtures.web",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds the login brake's counters: one test's failed logins must not lock out the next test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Simplified Chinese), whatever an earlier test in the same
    process switched to: a request through LocaleMiddleware leaves its language active in the thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
