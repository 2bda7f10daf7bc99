"""What a bench module uses: `measure()` times a function over several repetitions, counts its queries and its
peak Python memory, and returns a `Result` (one line of the summary table). See bench/README.md."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    """One measured operation. Times are seconds for one repetition (all ``ops`` operations)."""

    name: str
    size: str
    median_s: float
    min_s: float
    max_s: float
    repeat: int
    queries: int | None = None
    ops: int = 1
    peak_kib: float | None = None
    note: str = ""
    times_s: list[float] = field(default_factory=list)

    @property
    def per_op_ms(self) -> float:
        return self.median_s * 1000 / self.ops

    def line(self) -> str:
        parts = [
            f"{self.name}: median {format_seconds(self.median_s)}",
            f"(min {format_seconds(self.min_s)}, max {format_seconds(self.max_s)}, {self.repeat} runs)",
        ]
        if self.ops > 1:
            parts.append(f"= {self.per_op_ms:.3f} ms/op over {self.ops:,} ops")
        if self.queries is not None:
            parts.append(f"{self.queries:,} queries")
        if self.peak_kib is not None:
            parts.append(f"peak {self.peak_kib:,.0f} KiB")
        if self.size:
            parts.append(f"[{self.size}]")
        if self.note:
            parts.append(f"- {self.note}")
        return " ".join(parts)

    def as_dict(self) -> dict:
        return {**asdict(self), "per_op_ms": self.per_op_ms}


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1_000_000:.0f} µs"


def measure(
    name: str,
    fn: Callable[[], object],
    *,
    size: str = "",
    ops: int = 1,
    repeat: int = 5,
    setup: Callable[[], object] | None = None,
    memory: bool = True,
    note: str = "",
) -> Result:
    """Time ``fn()`` ``repeat`` times with time.perf_counter (``setup()``, untimed, runs before every call, e.g. to
    put back the state ``fn`` changes). One extra untimed warm-up call comes first: it counts the queries
    (CaptureQueriesContext) and, with ``memory``, the peak of Python allocations (tracemalloc), so that neither
    slows the timed calls. The result line is printed at once."""
    if setup:
        setup()
    with CaptureQueriesContext(connection) as captured:
        if memory:
            tracemalloc.start()
        try:
            fn()
            peak = tracemalloc.get_traced_memory()[1] / 1024 if memory else None
        finally:
            if memory:
                tracemalloc.stop()
    queries = len(captured.captured_queries)

    times = []
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)

    return report(name, times, size=size, queries=queries, ops=ops, peak_kib=peak, note=note)


def report(
    name: str,
    times: list[float],
    *,
    size: str = "",
    queries: int | None = None,
    ops: int = 1,
    peak_kib: float | None = None,
    note: str = "",
) -> Result:
    """The `Result` of the timed repetitions ``times`` (seconds each), its line printed at once."""
    result = Result(
        name=name,
        size=size,
        median_s=statistics.median(times),
        min_s=min(times),
        max_s=max(times),
        repeat=len(times),
        queries=queries,
        ops=ops,
        peak_kib=peak_kib,
        note=note,
        times_s=times,
    )
    print("  " + result.line(), flush=True)
    return result
