"""Production: docker-compose.yml is valid against the Compose Specification's JSON schema (no Docker engine
here). The schema comes from a package, not a hand-copied file: check-jsonschema (PyPI, requirements.lock)
ships the specification's schema as its built-in ``vendor.compose-spec``."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CHECK, str(path)], capture_output=True, text=True, timeout=120)


def test_docker_compose_yml_follows_the_compose_specification():
    result = _validate(BASE_DIR / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_refuses_a_compose_file_the_specification_does_not_allow(tmp_path):
    broken = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    broken["services"]["web"]["healthcheck"]["retry_count"] = 3  # no such key in a healthcheck
    broken["services"]["web"]["restart_policy"] = "always"  # no such key on a service
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True))
    result = _validate(path)
    assert result.returncode != 0
    assert "retry_count" in result.stdout and "restart_policy" in result.stdout


def test_every_process_the_settings_know_runs_in_compose():
    """A worker per queue (notices, reports), beat, web behind its health probe, a nightly backup."""
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    env = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["x-app"]["environment"]
    assert (
        "-Q" in services["worker-notices"]["command"]
        and "notices,celery" in services["worker-notices"]["command"]
    )
    assert "reports" in services["worker-reports"]["command"]
    assert (env["CELERY_NOTICES_QUEUE"], env["CELERY_REPORTS_QUEUE"]) == ("notices", "reports")
    assert "/healthz/?scope=web" in " ".join(services["web"]["healthcheck"]["test"])
    assert "backup.sh" in " ".join(services["backup"]["command"])
    assert shutil.which("sh")
