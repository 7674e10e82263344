# Airflow Zoom-recordings archiver: everything runs from a local virtualenv in .venv.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test`: the e2e, chaos and full-stack tests wait on Airflow and services as much as
# they compute, so two workers keep both cores busy (the full-stack tests share one stack and stay on one worker).
TEST_WORKERS ?= 2

# The tests of the pure modules (no Airflow run, no S3, no HTTP server): `make quick` runs them in seconds.
QUICK_TESTS := tests/unit/test_keys.py tests/unit/test_keys_text.py tests/unit/test_dates.py tests/unit/test_ledger.py \
	tests/unit/discover/test_planning.py tests/unit/discover/test_planning_files.py \
	tests/unit/discover/test_planning_input.py tests/unit/discover/test_summary.py tests/unit/zoom/test_throttling.py \
	tests/unit/zoom/test_download_policy.py tests/unit/zoom/test_connection.py tests/unit/settings \
	tests/unit/webhook/test_signature.py tests/unit/webhook/test_events.py tests/unit/publish/test_report.py \
	tests/unit/archive/test_verifying_reader.py tests/unit/audit/test_report.py tests/unit/reclaim/test_record.py

.PHONY: install demo test lint format typecheck quick unit e2e fullstack bench bench-smoke clean

$(STAMP): requirements.txt requirements-sandbox.txt requirements-dev.txt pyproject.toml sandbox/pyproject.toml sandbox/s3rver/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e . -e sandbox
	# s3rver (npm, pinned by its lock file): the second S3 implementation of the e2e suite (tests/e2e/test_s3_compat_e2e.py)
	npm ci --prefix sandbox/s3rver --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)  ## Create .venv with the development pins (requirements-dev.txt), this package and the sandbox

demo: $(STAMP)  ## Run the archiver end to end on the local sandbox (or real Zoom/S3 with a .env)
	$(BIN)/python -m zoom_sandbox.demo

test: $(STAMP)  ## Lint and type-check, then the whole test suite (unit, end-to-end, full stack, deployment)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=30

quick: $(STAMP)  ## The pure modules' tests (planning, keys, dates, ledger, records, settings, signatures): seconds
	$(BIN)/python -m pytest -q -p no:cacheprovider $(QUICK_TESTS)

unit: $(STAMP)  ## Unit, sandbox and deployment tests on the xdist workers (about a minute)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests/unit tests/sandbox tests/deploy

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

fullstack: $(STAMP)  ## CeleryExecutor stack as processes (PostgreSQL, Redis), demo and browser tests
	$(BIN)/python -m pytest tests/fullstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(STAMP)  ## mypy (strict) on plugins/ and dags/
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## Full benchmark (minutes); writes docs/benchmark.md
	$(BIN)/python -m benchmarks.run --out docs/benchmark.md

bench-smoke: $(STAMP)  ## Tiny benchmark run that checks the script still works
	$(BIN)/python -m benchmarks.run --smoke --out bench-results/smoke.md

clean:
	rm -rf .airflow_test_home .sandbox .pytest_cache .ruff_cache bench-results
