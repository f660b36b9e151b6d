# QuickSight user deprovisioning: developer and operator entry points.
# `make demo` and `make test` work on a fresh clone (Python 3.11+, Node.js 20+).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv node demo test test-fast lint validate bench diagram property clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## create .venv from the pinned requirements

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

node: node_modules/.package-lock.json ## install the Node tools (asl-validator)

demo: $(STAMP) ## run the state machine on an embedded moto backend with a realistic population
	$(PY) -m qsdeprov demo $(ARGS)

test: $(STAMP) node ## run the whole test suite (slow scale tests included)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) node ## the suite without the slow scale tests
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP) node ## terraform fmt, checkov, parliament, ruff, asl-validator (no git needed)
	bash scripts/lint.sh

validate: ## terraform init/validate/test (needs the Terraform registry: run it in your pipeline)
	bash scripts/validate.sh

bench: $(STAMP) ## throughput simulator: ratio table and plot into docs/
	$(PY) -m qsdeprov.bench

diagram: $(STAMP) ## regenerate docs/state-machine.md (Mermaid) from the rendered ASL
	$(PY) -m qsdeprov.diagram --write

property: $(STAMP) node ## property-based tests with many more examples
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest tests/test_properties.py $(PYTEST_ARGS)

clean: ## remove the local environments and build output
	rm -rf $(VENV) .venv-lint node_modules .pytest_cache .hypothesis out build *.egg-info
