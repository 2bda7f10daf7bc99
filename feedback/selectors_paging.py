"""The list's paginator: an exact count while it is small, PostgreSQL's estimate above (as large admin lists do),
so that a page view of a list of 100,000 feedbacks does not count 100,000 rows."""

from __future__ import annotations

import json

from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Counted exactly up to this many rows (a count that stops there: it reads at most EXACT_UP_TO + 1 rows).
EXACT_UP_TO = 10_000


def planner_rows(qs: QuerySet) -> int:
    """The number of rows PostgreSQL expects ``qs`` to return (EXPLAIN's estimate: the table statistics)."""
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def can_estimate(qs: QuerySet) -> bool:
    """Whether the database gives an estimate: PostgreSQL's planner does; SQLite (the embedded default, a small
    database) has none, and its lists are counted exactly whatever their size."""
    return connections[qs.db].vendor == "postgresql"


def _rounded(n: int) -> int:
    """An estimate said with the precision it has: three significant digits (83,412 → 83,400)."""
    step = 10 ** max(len(str(n)) - 3, 0)
    return max(round(n / step) * step, EXACT_UP_TO + 1)


class EstimatingPage(Page):
    """A page of an estimated list: whether there is a next page is known from the rows read (one more than
    shown), not from the estimated count."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class EstimatingPaginator(Paginator):
    """``count`` is exact up to ``exact_up_to`` rows; above, it is the planner's estimate and ``estimated`` is
    True (the page then says "about"). The pages of an estimated list are read as far as rows go, whatever the
    estimate says."""

    exact_up_to = EXACT_UP_TO

    @cached_property
    def count(self) -> int:
        qs = self.object_list.order_by()
        if not can_estimate(qs):
            self.estimated = False
            return qs.count()
        bounded = qs.values("pk")[: self.exact_up_to + 1].count()
        if bounded <= self.exact_up_to:
            self.estimated = False
            return bounded
        self.estimated = True
        return _rounded(max(planner_rows(qs), bounded))

    estimated = False

    def validate_number(self, number):
        if not self.count or not self.estimated:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return EstimatingPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number):
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except (EmptyPage, InvalidPage):
            if self.estimated:  # beyond the rows: the first page (the last one is not known)
                return self.page(1)
            return self.page(self.num_pages)
