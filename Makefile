# Two commands: `make run` serves the API on SQLite; `make test` lints and runs every test
# on SQLite and on a throwaway PostgreSQL database.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test lint install install-dev migrate demo openapi bench load fuzz explore clean browser-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed

migrate: install
	$(PY) -m service migrate

run: migrate
	@echo "Uppföljning: http://$(HOST):$(PORT)/ (web pages), /docs (API)  (first key: $(PY) -m service create-key --role system_admin --name operator)"
	$(PY) -m service serve --host $(HOST) --port $(PORT)

demo: migrate
	$(PY) -m service demo

lint: install-dev
	$(PY) -m ruff check service tests bench migrations/env.py
	$(PY) -m ruff format --check service tests bench migrations/env.py
	$(PY) -m mypy

# The browser tests (tests/browser) drive Debian's Chromium; installed here when missing
# (CI runs as root), since `playwright install` cannot download a browser.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

test: lint browser-deps
	@set -e; \
	db="uppfoljning_test_$$$$"; \
	if url=$$($(PY) -m tests.pgdb create $$db); then \
		trap '$(PY) -m tests.pgdb drop '"$$db"' >/dev/null' EXIT; \
		echo "PostgreSQL test database: $$db"; \
		UPPFOLJNING_TEST_POSTGRES_URL=$$url $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true and PostgreSQL is not reachable: failing, not skipping." >&2; exit 1; \
	else \
		echo "PostgreSQL is not reachable: running the SQLite tests only." >&2; \
		$(PY) -m pytest $(PYTEST_ARGS); \
	fi

openapi: install
	$(PY) -m service dump-openapi > openapi/openapi.json

bench: install-dev
	$(PY) -m bench.run_all

# Coaches writing and analysts reading against a real server (docs/reliability.md).
load: install-dev
	$(PY) -m bench.load

# Schema-driven fuzzing of every operation (tests/e2e/test_fuzz.py), random and much longer
# than the test suite's run: FUZZ_EXAMPLES examples per operation.
FUZZ_EXAMPLES ?= 500
fuzz: install-dev
	UPPFOLJNING_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) UPPFOLJNING_FUZZ_RANDOM=1 \
		$(PY) -m pytest tests/e2e/test_fuzz.py $(PYTEST_ARGS)

# The property tests with new random examples each run (make test draws the same ones every
# time, so its verdict never depends on luck). A failure prints a @reproduce_failure line
# and the seed: replay with PYTEST_ARGS="--hypothesis-seed=N tests/path::test_name".
explore: install-dev
	UPPFOLJNING_HYPOTHESIS_PROFILE=explore UPPFOLJNING_FUZZ_RANDOM=1 \
		$(PY) -m pytest -m "not slow" --hypothesis-show-statistics $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
