# Renewal Radar. `make run` starts everything locally; `make test` proves it works.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PYTEST_ARGS ?=

.PHONY: help install run test lint format bench schemas clean

help:
	@echo "make run    start Kafka, PostgreSQL and the four services locally"
	@echo "make test   install what is needed and run the whole test suite"
	@echo "make lint   ruff and mypy"
	@echo "make bench  benchmarks; figures in bench-results.json"

# uv from PyPI when the machine has none; then the locked workspace.
install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --locked --all-packages --quiet

run: install
	$(UV) run radar up $(if $(DEMO),--demo,)

test: install
	$(UV) run pytest $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy libs/schemas/src libs/runtime/src

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	$(UV) run python -m tests.bench

schemas: install
	$(UV) run radar-schemas-export

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache bench-results.json
