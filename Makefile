# Every target sets up what it needs: a fresh clone needs only python3 (>= 3.11),
# node and npm. `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
GEN_PKG := syftbox_accounting_client
# The generator, with the ruff its post-hooks need first on PATH.
GENERATE := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate \
	--path openapi.yaml --config openapi-python-client.yaml --meta none --fail-on-warning

# Prints a step's name, runs it, and names the step and the fix when it fails.
define step
	@echo "==> $(1)"
	@$(2) || { echo; echo "FAILED: $(1). $(3)"; exit 1; }
endef

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python >= 3.11 is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install
install: $(VENV_STAMP) $(NODE_STAMP) ## Create .venv and node_modules with every tool pinned.

.PHONY: demo
demo: $(VENV_STAMP) ## The main job: the seed's payment workflow against the embedded reference service.
	@$(PY) -m syftbox_accounting.demo

.PHONY: test
test: $(VENV_STAMP) $(NODE_STAMP) ## Lint, type-check, check the contract and generated/, run the tests.
	$(call step,ruff,$(BIN)/ruff check . && $(BIN)/ruff format --check .,Run 'make format' or fix the lines above.)
	$(call step,mypy --strict,$(BIN)/mypy,Fix the type errors above.)
	@$(MAKE) --no-print-directory lint-spec check-generated
	$(call step,pytest,$(BIN)/pytest -q $(PYTEST_ARGS),See the failing tests above.)

.PHONY: bench
bench: $(VENV_STAMP) ## Benchmarks P1-P6: ratios against baselines measured in the same run.
	$(PY) -m tests.benchmarks $(BENCH_ARGS)

.PHONY: lint-spec
lint-spec: $(NODE_STAMP) ## Lint openapi.yaml with Redocly (0 errors, 0 warnings).
	$(call step,lint-spec,node_modules/.bin/redocly lint openapi.yaml --format=stylish --max-problems=100 2>&1 | grep -v -e '^\s*$$' -e 'Node.js' -e '═' -e '║' ; exit $${PIPESTATUS[0]},Fix openapi.yaml as Redocly says above.)

.PHONY: generate
generate: $(VENV_STAMP) ## Regenerate generated/ from openapi.yaml.
	rm -rf generated/$(GEN_PKG)
	@mkdir -p generated
	$(GENERATE) --output-path generated/$(GEN_PKG)

.PHONY: check-generated
check-generated: $(VENV_STAMP) ## Fail with a diff when generated/ does not match openapi.yaml.
	$(call step,check-generated,tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(GENERATE) --output-path "$$tmp/$(GEN_PKG)" >/dev/null && \
		diff -ru -x __pycache__ "generated/$(GEN_PKG)" "$$tmp/$(GEN_PKG)",generated/ does not match openapi.yaml: run 'make generate' and commit the result.)

.PHONY: format
format: $(VENV_STAMP) ## Format and autofix the hand-written code.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: clean
clean: ## Remove the virtualenv, node_modules and caches.
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
