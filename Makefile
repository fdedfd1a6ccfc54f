# Renewal Radar. `make run` starts everything locally; `make test` proves it works.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PYTEST_ARGS ?=
# Test processes, each with its own Kafka and PostgreSQL and whole files at a time
# (module fixtures start a pipeline once); 2 fits the 2-core CI machine.
TEST_WORKERS ?= 2

.PHONY: help install run test lint format bench schemas compose-check compose-test k8s-check clean

help:
	@echo "make run    start Kafka, PostgreSQL, the four services and the console locally"
	@echo "make test   install what is needed and run the whole test suite"
	@echo "make lint   ruff and mypy"
	@echo "make bench  benchmarks; figures in bench-results.json"
	@echo "make compose-check  validate docker-compose.yml with Docker Compose v2 (if installed)"
	@echo "make compose-test   build and run docker-compose.yml, check it as a user would, then k8s-check"
	@echo "make k8s-check      deploy/k8s through a real Kubernetes API server (server-side dry run)"

# uv from PyPI when the machine has none; then the locked workspace.
install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --locked --all-packages --quiet

run: install
	$(UV) run radar up $(if $(DEMO),--demo,)

test: install
	$(UV) run pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy libs/schemas/src libs/runtime/src libs/charts/src

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	$(UV) run python -m tests.bench

schemas: install
	$(UV) run radar-schemas-export

# docker-compose.yml through the real Compose v2 parser (`config` needs no Docker
# daemon). A developer check, not part of `make test`: it is skipped without Compose.
compose-check:
	@if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	elif docker-compose version --short 2>/dev/null | grep -Eq '^v?[2-9]'; then compose=docker-compose; \
	else \
		echo "compose-check: skipped, Docker Compose v2 is not installed (no 'docker compose'"; \
		echo "  and no v2 'docker-compose'). Get it with Docker Desktop or Docker's"; \
		echo "  docker-compose-plugin package, or build it with Go (see deploy/README.md)."; \
		exit 0; \
	fi; \
	$$compose -f docker-compose.yml config --quiet \
		&& echo "compose-check: docker-compose.yml is valid ($$($$compose version --short))"

# The deployment shapes built and run for real, not part of `make test`: a Docker
# engine (installed and started when none answers), the images no registry gives this
# machine, docker-compose.yml up and checked as a user would, then k8s-check.
# Builds are cached (see deploy/README.md): the first run takes about half an hour.
compose-test: install
	$(UV) run python -m tests.deploy.live

# deploy/k8s through kube-apiserver and etcd built from their Go modules.
k8s-check: install
	$(UV) run python -m tests.deploy.live k8s

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache bench-results.json
