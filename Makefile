# After-sales feedback tracking: the two commands are `make run` and `make test` (README.md).
# Set-up (venv, npm packages, compiled translations) is part of every target that needs it, idempotent, and takes
# a second when nothing changed: the venv and node_modules are re-installed only when requirements.lock or
# package-lock.json change (their SHA-256 is kept in a stamp file).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements.sha256
NODE_STAMP := node_modules/.package-lock.sha256
# The interpreter the venv is made from: python3.11, else python3 if it is 3.11 or newer.
BASE_PYTHON := $(shell for p in python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

# make test: which tests, how many xdist workers (0 = no xdist), extra pytest arguments.
TESTS ?= tests
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
# make bench: which benches (prefixes of bench_<name>.py), empty = all.
BENCH ?=

.PHONY: help setup venv assets messages run test lint bench chaos load clean distclean

help:
	@echo "make run     set up, then the whole system on SQLite: web http://127.0.0.1:8000 + Celery worker + beat,"
	@echo "             demo data and one demo user per role (printed with passwords). RUN_PORT=8001 for another port."
	@echo "make test    set up, then the whole suite (PostgreSQL + Redis when reachable, else SQLite + in-process)."
	@echo "             TESTS=tests/feedback/test_numbering.py  PYTEST_ARGS='-k pf -x'  TEST_WORKERS=0"
	@echo "make lint    ruff check, ruff format --check, manage.py check, makemigrations --check, lint-imports"
	@echo "make bench   benchmarks on PostgreSQL database aftersales_bench (BENCH='numbering sla' for some)"
	@echo "make chaos   faults on a private PostgreSQL + Redis (CHAOS_RUNS=50 each, FAULTS='redis worker postgres beat')"
	@echo "make load    50 users for 60 s against gunicorn on PostgreSQL (BENCH_DATABASE_URL), loopback only"
	@echo "make setup   only the set-up: .venv, node_modules, compiled translations"
	@echo "make clean   remove generated files (keeps .venv, node_modules, db.sqlite3, media/); distclean: all"

setup: venv assets messages

venv:
	@want=$$(sha256sum requirements.lock | cut -d' ' -f1); \
	if [ -x $(PY) ] && $(PY) -c 'import sys' 2>/dev/null && [ "$$(cat $(VENV_STAMP) 2>/dev/null)" = "$$want" ]; then \
		exit 0; \
	fi; \
	if [ -z "$(BASE_PYTHON)" ]; then \
		echo "setup: ERROR: Python 3.11 or newer is needed (python3.11 or python3)" >&2; exit 1; \
	fi; \
	if ! [ -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "setup: creating $(VENV) with $(BASE_PYTHON) ($$($(BASE_PYTHON) --version))"; \
		rm -rf $(VENV); $(BASE_PYTHON) -m venv $(VENV); \
	fi; \
	echo "setup: installing requirements.lock into $(VENV)"; \
	$(PY) -m pip install --disable-pip-version-check --no-input -q -r requirements.lock; \
	echo "$$want" > $(VENV_STAMP)

assets:
	@want=$$(sha256sum package-lock.json | cut -d' ' -f1); \
	if [ -d node_modules ] && [ "$$(cat $(NODE_STAMP) 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	command -v npm >/dev/null || { echo "setup: ERROR: npm (Node.js) is needed for the front-end libraries" >&2; exit 1; }; \
	echo "setup: npm ci (front-end libraries from package-lock.json)"; \
	npm ci --no-audit --no-fund --loglevel=error; \
	echo "$$want" > $(NODE_STAMP)

messages: venv
	@$(PY) scripts/compile_messages.py --quiet

run: setup
	@$(PY) scripts/run.py

test: setup
	@$(PY) scripts/check_services.py
	@scripts/ensure_system_packages.sh
	@xdist=""; if [ "$(TEST_WORKERS)" != "0" ]; then xdist="-n $(TEST_WORKERS) --dist loadfile"; fi; \
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest --ds=config.settings.test -p no:cacheprovider \
		$$xdist $(TESTS) $(PYTEST_ARGS)

lint: setup
	@failed=""; \
	export DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=sqlite://:memory:; \
	echo "lint: ruff check";                  $(VENV)/bin/ruff check . || failed="$$failed ruff-check"; \
	echo "lint: ruff format --check";         $(VENV)/bin/ruff format --check . || failed="$$failed ruff-format"; \
	echo "lint: manage.py check";             $(PY) manage.py check || failed="$$failed check"; \
	echo "lint: makemigrations --check";      $(PY) manage.py makemigrations --check --dry-run || failed="$$failed makemigrations"; \
	echo "lint: lint-imports (layers)";       $(VENV)/bin/lint-imports --no-cache || failed="$$failed lint-imports"; \
	if [ -n "$$failed" ]; then echo "lint: FAILED:$$failed" >&2; exit 1; fi; \
	echo "lint: all passed"

bench: setup
	@$(PY) bench/run.py $(BENCH)

# Faults with figures (issue 11): its own PostgreSQL cluster and Redis on free ports, never the shared ones.
chaos: setup
	@$(PY) chaos/run.py

# Load (issue 11): LOAD_USERS (50) for LOAD_SECONDS (60) of mixed traffic, figures in bench-results/load.json.
load: setup
	@$(PY) bench/load/run.py

clean:
	rm -rf .run test-results bench-results staticfiles .test-media .test-db.sqlite3* .pytest_cache .ruff_cache
	find . \( -path ./.venv -o -path ./node_modules -o -path ./.git \) -prune \
		-o -name '*.mo' -type f -exec rm -f {} + \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules db.sqlite3 db.sqlite3-wal db.sqlite3-shm media
