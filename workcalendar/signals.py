"""Signals of the calendar, for the layers above it (the calendar knows nobody who counts on it)."""

from django.dispatch import Signal

# Sent after the commit of any change to the working-day calendar (a day overridden or cleared, a year entered).
calendar_changed = Signal()
