"""Data for the report-run tests (tests/reports/test_runs_*.py): a small month of feedback, and the period helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from feedback.models import Category, Channel, Severity, Status
from reports.periods import Period
from tests.factories import FaultPhenomenonFactory, FeedbackFactory, ProductLineFactory, ProductModelFactory


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute, second))


def last_month(today: dt.date | None = None) -> Period:
    first = (today or timezone.localdate()).replace(day=1)
    before = first - dt.timedelta(days=1)
    return Period.month(before.year, before.month)


def small_month(year: int, month: int, agent=None) -> list:
    """Seven registered feedbacks in the month (one on its first second, one on its last), plus a draft and a
    voided one (counted nowhere) and one just after the month."""
    line = ProductLineFactory(code="aircon", name="空调")
    split = ProductModelFactory(line=line, code="KFR-35GW", name="挂机空调")
    cabinet = ProductModelFactory(line=line, code="KFR-72LW", name="柜机空调")
    cooling = FaultPhenomenonFactory(name="制冷效果差")
    noise = FaultPhenomenonFactory(name="噪音大")
    leak = FaultPhenomenonFactory(name="漏水")
    extra = {"registered_by": agent} if agent is not None else {}
    last_day = (Period.month(year, month).end).day
    rows = [
        (
            local(year, month, 1, 0, 0, 0),
            split,
            Category.FUNCTIONAL,
            Severity.SERIOUS,
            cooling,
            Channel.HOTLINE,
        ),
        (local(year, month, 3), split, Category.FUNCTIONAL, Severity.GENERAL, cooling, Channel.HOTLINE),
        (local(year, month, 5), cabinet, Category.PERFORMANCE, Severity.GENERAL, cooling, Channel.EMAIL),
        (local(year, month, 8), cabinet, Category.APPEARANCE, Severity.GENERAL, noise, Channel.DEALER),
        (local(year, month, 12), split, Category.SERVICE, Severity.URGENT, leak, Channel.ONLINE_CHAT),
        (local(year, month, 20), split, "", "", None, Channel.HOTLINE),  # not yet classified
        (
            local(year, month, last_day, 23, 59, 59),
            cabinet,
            Category.FUNCTIONAL,
            Severity.SERIOUS,
            noise,
            Channel.EMAIL,
        ),
    ]
    made = [
        FeedbackFactory(
            feedback_time=when,
            product_model=model,
            category=category,
            severity=severity,
            fault_phenomenon=fault,
            channel=channel,
            **extra,
        )
        for when, model, category, severity, fault, channel in rows
    ]
    FeedbackFactory(feedback_time=local(year, month, 10), product_model=split, status=Status.DRAFT, **extra)
    FeedbackFactory(feedback_time=local(year, month, 11), product_model=split, status=Status.VOIDED, **extra)
    after = Period.month(year, month).end + dt.timedelta(days=1)
    FeedbackFactory(
        feedback_time=local(after.year, after.month, after.day, 0, 0, 0), product_model=split, **extra
    )
    return made


def block_storage(run) -> Path:
    """Make the storage fail for real for this run: a plain file where the run's folder must go."""
    folder = Path(settings.MEDIA_ROOT) / "reports" / f"{run.period_start:%Y}" / f"{run.period_start:%m}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.is_dir():
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
    folder.write_text("not a folder")
    return folder


def unblock_storage(blocker: Path) -> None:
    if blocker.is_file():
        blocker.unlink()
