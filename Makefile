# minsheng — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck bench serve clean postgres chromium

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-dev >/dev/null)
	@($(PYTHON) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV))
	@$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@$(BIN)/pip install -q -e .
	@touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $@

demo: $(STAMP)
	@$(BIN)/minsheng demo

serve: $(STAMP)
	@$(BIN)/minsheng serve

# PostgreSQL: start the local cluster when it is installed but not running.
postgres:
	@bash scripts/ensure-postgres.sh

# Debian's Chromium for the console's browser tests (never a downloaded browser build).
chromium:
	@(command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wenquanyi\|cjk") || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	  || echo "warning: could not install Debian's chromium; browser tests will fail"

test: $(DEV_STAMP) postgres chromium
	@$(BIN)/ruff check src tests benchmarks
	@$(BIN)/mypy
	@$(BIN)/pytest

lint: $(DEV_STAMP)
	@$(BIN)/ruff check src tests benchmarks
	@$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
