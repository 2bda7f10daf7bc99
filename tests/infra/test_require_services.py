"""`make test` says which database and broker it uses; with REQUIRE_SERVICES=1 (what .ci/run sets) a service that
does not answer is a failure with the address in the message, not a quiet fall-back to SQLite."""

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ONE_FILE = "tests/infra/test_worker_fixture.py"


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    drop = {
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "REQUIRE_SERVICES",
        "PYTEST_XDIST_WORKER",
    }
    drop |= {k for k in os.environ if k.startswith("MAKE") or k == "MFLAGS"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(overrides)
    return env


def collect(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", ONE_FILE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_test_with_require_services_fails_before_running_anything_when_postgresql_is_down():
    url = f"postgres://postgres@127.0.0.1:{closed_port()}/aftersales_nowhere"
    env = clean_env(REQUIRE_SERVICES="1", TEST_DATABASE_URL=url)

    result = subprocess.run(
        ["make", "test", f"TESTS={ONE_FILE}", "PYTEST_ARGS=--collect-only", "TEST_WORKERS=0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode != 0
    assert f"REQUIRE_SERVICES=1 but not reachable: PostgreSQL at {url}" in result.stderr
    assert "collected" not in result.stdout  # it stopped before pytest


def test_pytest_itself_refuses_to_start_with_require_services_when_redis_is_down():
    url = f"redis://127.0.0.1:{closed_port()}/3"

    result = collect(clean_env(REQUIRE_SERVICES="1", TEST_REDIS_URL=url))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "REQUIRE_SERVICES=1 but not reachable: " in output and f"Redis at {url}" in output


def test_without_require_services_the_suite_falls_back_and_says_so_in_its_header():
    pg = f"postgres://postgres@127.0.0.1:{closed_port()}/aftersales_nowhere"
    redis = f"redis://127.0.0.1:{closed_port()}/3"

    result = collect(clean_env(TEST_DATABASE_URL=pg, TEST_REDIS_URL=redis))

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"database: sqlite (sqlite:///{BASE_DIR}/.test-db.sqlite3) -- PostgreSQL at {pg} not reachable"
        in (result.stdout)
    )
    assert (
        f"broker: in-process (memory://; a real worker uses filesystem://) -- Redis at {redis} not reachable"
        in (result.stdout)
    )


def test_ci_runs_the_suite_with_require_services_and_the_linters():
    ci = BASE_DIR / ".ci" / "run"

    assert ci.stat().st_mode & stat.S_IXUSR
    lines = [
        ln.strip() for ln in ci.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    assert any(ln.startswith("REQUIRE_SERVICES=1 make test") for ln in lines), lines
    assert any("make lint" in ln for ln in lines), lines
