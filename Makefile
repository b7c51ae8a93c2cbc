# CIRCU-LI-ION — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES := upload splitter merger distributor
SERVICE ?=
STAGE ?= prod
PYTEST_FLAGS ?=

.PHONY: help setup run test unit stack stack-full lint schemas bench package lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock shared/pyproject.toml local/pyproject.toml cli/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e shared -e local -e cli
	command -v unzip >/dev/null || (apt-get update -qq && apt-get install -y -qq unzip >/dev/null) || true
	touch $(STAMP)

setup: $(STAMP) ## create the virtualenv with the pinned dependencies

run: setup ## start the whole system locally (emulator, handlers, API, edge); Ctrl-C stops it
	$(PY) -m circulion_local run

test: setup lint unit stack ## everything CI checks: lint, unit tests, tests against the running stack

unit: setup ## unit and functional tests (no running stack); one pytest run per service
	$(PY) -m pytest $(PYTEST_FLAGS) shared/tests local/tests cli/tests tests/deploy tests/bench
	@set -e; for s in $(SERVICES); do \
	  echo "== services/$$s"; \
	  (cd services/$$s && ../../$(PY) -m pytest $(PYTEST_FLAGS) tests); \
	done

stack: setup ## tests against the local stack (the fixture starts and stops it)
	$(PY) -m pytest $(PYTEST_FLAGS) -m "stack and not slow" tests/stack

stack-full: setup ## the stack tests at the sizes the issues name, plus the slow ones (soak, ZIP64 > 4 GiB)
	CIRCULION_STACK_FULL=1 $(PY) -m pytest $(PYTEST_FLAGS) -m stack tests/stack

lint: setup ## ruff, mypy, cfn-lint and the IAM policies of deploy/permissions.py
	$(BIN)/ruff check .
	$(BIN)/mypy shared/circulion local/circulion_local cli/circulion_cli deploy
	MYPYPATH=services/splitter $(BIN)/mypy bench  # the chunk-worker benchmark drives the splitter's own code
	@set -e; for s in $(SERVICES); do (cd services/$$s && ../../$(BIN)/mypy --config-file ../../pyproject.toml app.py chalicelib); done
	$(BIN)/cfn-lint infra/*.yaml
	$(PY) -m deploy.policy_lint  # cfn-lint skips IAM checks under the Serverless transform

schemas: setup ## regenerate the JSON Schema snapshots (event contracts, recipe format) and docs/RECIPES.md's field tables
	$(PY) -m circulion.contracts.snapshots write
	$(PY) -m circulion.recipes.json_schema write
	$(PY) -m circulion.recipes.format_table --write docs/RECIPES.md

bench: setup ## measure speed, memory and scaling; results in bench/results/
	$(PY) -m bench.run

package: setup ## chalice-package SERVICE (default: all) for STAGE into build/
	$(PY) -m deploy.package --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE),)

lock: ## re-pin every dependency from requirements.in
	$(PYTHON) -m venv /tmp/circulion-lock && /tmp/circulion-lock/bin/pip install -q -r requirements.in \
	  && /tmp/circulion-lock/bin/pip freeze > requirements.lock && rm -rf /tmp/circulion-lock

clean: ## remove the virtualenv, caches and build output
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .local-state
