# klantwaarde: run `make help` for the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The oldest DuckDB a BI tool ships: the test that opens the published mart with it
OLD_DUCKDB := .venv-duckdb14
OLD_DUCKDB_VERSION := 1.4.4
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1

.PHONY: help setup old-duckdb system postgres postgres-stop demo test test-fast reliability lint format lock bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned environment and the klantwaarde command

demo: $(STAMP) ## Generate a sample, run the real Airflow DAG over it, print where the mart is
	$(BIN)/klantwaarde demo

$(OLD_DUCKDB)/.installed:
	test -x $(OLD_DUCKDB)/bin/python || (rm -rf $(OLD_DUCKDB) && $(PYTHON) -m venv $(OLD_DUCKDB))
	$(OLD_DUCKDB)/bin/pip install --quiet duckdb==$(OLD_DUCKDB_VERSION)
	touch $@

old-duckdb: $(OLD_DUCKDB)/.installed ## Create .venv-duckdb14: DuckDB 1.4, to test that BI tools read the mart

system: ## Install the system packages the tests use (Debian's chromium, postgresql) where missing
	@test -x /usr/bin/chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt-get install -y postgresql || (apt-get update && apt-get install -y postgresql)

PG_DIR ?= var/postgres

postgres: $(STAMP) system ## Start a private PostgreSQL on loopback (in $(PG_DIR)) and print its DSN
	@$(BIN)/python -m klantwaarde.serve.pg_server start $(PG_DIR)

postgres-stop: $(STAMP) ## Stop the private PostgreSQL of make postgres
	@$(BIN)/python -m klantwaarde.serve.pg_server stop $(PG_DIR)

test: $(STAMP) $(OLD_DUCKDB)/.installed system lint ## Lint, then run the whole test suite (unit, dbt, DAG end to end, fast reliability cases)
	$(BIN)/pytest -m "not reliability" -n 2 --durations=15

reliability: $(STAMP) ## Run the reliability suite with its long kill -9 loop
	$(BIN)/pytest -m "reliability or not reliability" -s tests/reliability

test-fast: $(STAMP) ## Run the tests not marked slow
	$(BIN)/pytest -m "not slow and not reliability"

lint: $(STAMP) ## Lint Python with ruff and the dbt project's SQL with sqlfluff
	$(BIN)/ruff check src tests dags scripts
	$(BIN)/ruff format --check src tests dags scripts
	@# two processes; their shared semaphore makes multiprocessing warn at exit, harmlessly
	cd dbt_project && PYTHONWARNINGS="ignore:resource_tracker:UserWarning" \
	  ../$(BIN)/sqlfluff lint models tests snapshots --processes 2 --disable-progress-bar

format: $(STAMP) ## Format Python with ruff
	$(BIN)/ruff check --fix src tests dags scripts
	$(BIN)/ruff format src tests dags scripts

lock: ## Re-resolve requirements.in into requirements.lock (needs the registry)
	rm -rf /tmp/klantwaarde-lock && $(PYTHON) -m venv /tmp/klantwaarde-lock
	/tmp/klantwaarde-lock/bin/pip install --quiet -r requirements.in
	/tmp/klantwaarde-lock/bin/pip freeze --exclude-editable > requirements.lock

bench: $(STAMP) ## Benchmark the pipeline at scale S and M (figures in bench/)
	$(BIN)/python scripts/bench.py

clean: ## Remove run-time output (keeps .venv)
	rm -rf var demo bench dbt_project/target dbt_project/logs expectations/uncommitted
