"""`make bench`: drop and re-create the PostgreSQL database `aftersales_bench`, migrate it, run every
bench/bench_*.py module's `run()`, print a summary table and write it to bench-results/ as JSON.

    python bench/run.py                  # every bench
    python bench/run.py numbering sla    # only bench_numbering.py and bench_sla*.py (prefix match)
    python bench/run.py --keep-db ...    # reuse the migrated database (faster while writing a bench)

BENCH_DATABASE_URL overrides postgres://postgres@127.0.0.1:5432/aftersales_bench. See bench/README.md."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench"


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"bench: BENCH_DATABASE_URL must be PostgreSQL, got {parts.scheme}://")
    if not name.startswith("aftersales_bench"):
        raise SystemExit(
            f"bench: refusing to drop {name!r}: the bench database's name starts with aftersales_bench"
        )
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"bench: PostgreSQL is needed at {parts.hostname}:{parts.port or 5432}: {exc}"
        ) from exc


def discover(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in (BASE_DIR / "bench").glob("bench_*.py"))
    if selected:
        names = [
            n
            for n in names
            if any(n.removeprefix("bench_").startswith(s.removeprefix("bench_")) for s in selected)
        ]
    return names


def summary_table(rows: list[dict]) -> str:
    headers = ["bench", "data set", "median", "min", "per op", "queries", "peak mem"]
    from bench.harness import format_seconds

    table = [headers]
    for row in rows:
        if row.get("error"):
            table.append([row["name"], "", "FAILED", "", "", "", row["error"][:60]])
            continue
        table.append(
            [
                row["name"],
                row["size"],
                format_seconds(row["median_s"]),
                format_seconds(row["min_s"]),
                f"{row['per_op_ms']:.3f} ms" if row["ops"] > 1 else "",
                f"{row['queries']:,}" if row["queries"] is not None else "",
                f"{row['peak_kib'] / 1024:,.1f} MiB" if row["peak_kib"] is not None else "",
            ]
        )
    widths = [max(len(str(r[i])) for r in table) for i in range(len(headers))]
    lines = []
    for i, r in enumerate(table):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("benches", nargs="*", help="run only bench_<name>*.py")
    parser.add_argument("--keep-db", action="store_true", help="do not drop and re-create the database")
    args = parser.parse_args()

    url = os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    modules = discover(args.benches)
    if not modules:
        print(f"bench: no bench module matches {args.benches}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    if not args.keep_db:
        print(f"bench: re-creating {urlsplit(url).path.lstrip('/')} on {urlsplit(url).hostname}", flush=True)
        recreate_database(url)
    import django
    from django.core.management import call_command

    django.setup()
    print("bench: migrating", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    print(f"bench: ready in {time.perf_counter() - started:.1f}s; running {', '.join(modules)}", flush=True)

    rows: list[dict] = []
    for name in modules:
        print(f"\n== {name}", flush=True)
        # every module starts from an empty, migrated database (groups and other post-migrate data re-created)
        call_command("flush", verbosity=0, interactive=False)
        module_start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            results = module.run()
            results = results if isinstance(results, list | tuple) else [results]
            if not results:
                raise RuntimeError("run() returned no result")
            rows.extend({"module": name, **r.as_dict()} for r in results)
        except Exception as exc:  # a broken bench must not hide the others' figures
            traceback.print_exc()
            rows.append({"module": name, "name": name, "error": f"{type(exc).__name__}: {exc}"})
        print(f"   ({name} took {time.perf_counter() - module_start:.1f}s with its data set)", flush=True)

    print("\n" + summary_table(rows))
    out_dir = BASE_DIR / "bench-results"
    out_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"bench-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "results": rows,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    failed = [r["module"] for r in rows if r.get("error")]
    print(f"\nbench: results in {out.relative_to(BASE_DIR)}; total {time.perf_counter() - started:.1f}s")
    if failed:
        print(f"bench: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
