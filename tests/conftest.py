"""Shared fixtures are split by area; each module below has one owner."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.browser",
    "tests.fixtures.domain",
]
