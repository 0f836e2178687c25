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
# The facade's door into the generated client, written from generated/'s layout.
DOOR := syftbox_accounting/_generated.py
WRITE_DOOR := $(PY) tools/write_door.py

# The other languages' clients, generated from the same contract and committed
# (clients/typescript/generated, clients/go/client); both generators are pinned: hey-api
# in package.json, openapi-generator-cli (the wheel with the JAR, on Java 17) in
# pyproject.toml's dev extra.
TS_CLIENT := clients/typescript
GO_CLIENT := clients/go/client
TS_GENERATE = (cd $(TS_CLIENT) && OPENAPI_TS_OUTPUT=$(1) ../../node_modules/.bin/openapi-ts)
# openapi-generator's defaults, no type mappings: amounts are read exactly through their
# decimal strings (openapi.yaml, Money), whatever the generator makes of JSON numbers.
GO_GENERATE = $(BIN)/openapi-generator-cli generate -i openapi.yaml -g go -o $(1) \
	--git-host=github.com --git-user-id=OpenMined --git-repo-id=syftbox-accounting-go \
	--package-name=syftboxaccounting \
	--additional-properties=disallowAdditionalPropertiesIfNotPresent=false,isGoSubmodule=false,generateInterfaces=false \
	--global-property=apiDocs=false,modelDocs=false,apiTests=false,modelTests=false
# The two notices openapi-generator 7.26 prints for this contract, which only a different
# contract could silence: its OpenAPI 3.1 support is "beta", and it logs once that a named
# response example has no $ref. Any other warning fails the generation.
GO_KNOWN_WARNINGS := -e 'OpenAPI 3.1 support is still in beta' -e 'Failed to get the schema name: null'
HAVE_JAVA := $(shell command -v java >/dev/null 2>&1 && echo yes)

# pytest's workers (pytest-xdist; 0 runs every test in one process). Each test file goes
# whole to one worker (--dist loadfile), so a module's fixtures start once.
# PYTEST_ARGS adds arguments: make test PYTEST_ARGS="-k charge -x".
PYTEST_WORKERS ?= 2
PYTEST_RUN := -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

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

# The API reference the service serves at /docs: built by the pinned Redocly with its
# scripts inlined (no CDN), into the package as a build artifact (not committed).
API_REFERENCE := syftbox_accounting/server/api-reference.html
$(API_REFERENCE): openapi.yaml $(NODE_STAMP)
	@echo "==> docs: $@"
	@out=$$(node_modules/.bin/redocly build-docs openapi.yaml --inlineBundle -o $@ 2>&1) || { echo "$$out"; exit 1; }

.PHONY: docs
docs: $(API_REFERENCE) ## Build the HTML API reference the service serves at /docs.

# The sdist, and the wheel built from it (so the sdist is shown complete), with the
# contract and the /docs page inside; `tools/check_dist.py` fails the build otherwise.
DIST ?= dist
.PHONY: dist
dist: $(VENV_STAMP) $(API_REFERENCE) ## Build the sdist and the wheel into dist/ (DIST=...), with the contract and /docs.
	@rm -rf $(DIST)
	$(call step,build,out=$$($(PY) -m build --outdir $(DIST) . 2>&1) || { echo "$$out"; exit 1; },See the build output above.)
	$(call step,check dist,$(PY) tools/check_dist.py $(DIST),A file is missing from the packages above.)

.PHONY: test
test: $(VENV_STAMP) $(NODE_STAMP) $(API_REFERENCE) ## Lint, type-check, check the contract and generated/, run the tests.
	$(call step,ruff,$(BIN)/ruff check . && $(BIN)/ruff format --check .,Run 'make format' or fix the lines above.)
	$(call step,mypy --strict,$(BIN)/mypy,Fix the type errors above.)
	@$(MAKE) --no-print-directory lint-spec check-contract check-generated check-clients
	$(call step,pytest,$(BIN)/pytest $(PYTEST_RUN),See the failing tests above.)

.PHONY: test-under-load
test-under-load: $(VENV_STAMP) $(NODE_STAMP) $(API_REFERENCE) ## The tests while two CPU hogs keep the cores busy: none may depend on speed.
	tests/under_load.sh $(PYTEST_RUN)

.PHONY: bench
bench: $(VENV_STAMP) ## Benchmarks P1-P9 (P7, P8 when asked): ratios against baselines measured in the same run.
	$(PY) -m tests.benchmarks $(BENCH_ARGS)

.PHONY: lint-spec
lint-spec: $(NODE_STAMP) ## Lint openapi.yaml with Redocly (0 errors, 0 warnings).
	$(call step,lint-spec,node_modules/.bin/redocly lint openapi.yaml --format=stylish --max-problems=100 2>&1 | grep -v -e '^\s*$$' -e 'Node.js' -e '═' -e '║' ; exit $${PIPESTATUS[0]},Fix openapi.yaml as Redocly says above.)

.PHONY: check-contract
check-contract: $(VENV_STAMP) ## Check openapi.yaml's own rules: exact money, open enums, headers, required fields.
	$(call step,check-contract,$(PY) tests/check_contract.py openapi.yaml,Fix openapi.yaml as said above (the rules: tests/check_contract.py).)

.PHONY: generate
generate: $(VENV_STAMP) ## Regenerate generated/ and the clients in clients/ from openapi.yaml.
	rm -rf generated/$(GEN_PKG)
	@mkdir -p generated
	$(GENERATE) --output-path generated/$(GEN_PKG)
	$(WRITE_DOOR) --package generated/$(GEN_PKG) --output $(DOOR)
	@$(MAKE) --no-print-directory generate-clients

.PHONY: generate-clients
generate-clients: $(VENV_STAMP) $(NODE_STAMP) ## Regenerate the TypeScript and Go clients in clients/ from openapi.yaml.
	$(call step,generate TypeScript client,rm -rf $(TS_CLIENT)/generated && $(call TS_GENERATE,generated) >/dev/null,See the openapi-ts output above.)
	$(call step,generate Go client,$(MAKE) --no-print-directory _go-client GO_OUT=$(GO_CLIENT),See the openapi-generator output above.)

# Writes the Go client to $(GO_OUT); fails on an unknown generator warning.
.PHONY: _go-client
_go-client:
	@test -n "$(HAVE_JAVA)" || { echo "java is not installed: openapi-generator needs Java 17 (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	@find $(GO_OUT) -mindepth 1 -maxdepth 1 ! -name .openapi-generator-ignore -exec rm -rf {} + 2>/dev/null || true
	@out=$$($(call GO_GENERATE,$(GO_OUT)) 2>&1) || { echo "$$out"; exit 1; }; \
		warnings=$$(echo "$$out" | grep -E 'WARN|ERROR' | grep -v -F $(GO_KNOWN_WARNINGS) || true); \
		if [ -n "$$warnings" ]; then echo "$$warnings"; exit 1; fi

.PHONY: check-clients
check-clients: $(VENV_STAMP) $(NODE_STAMP) ## Fail with a diff when clients/ does not match openapi.yaml.
	$(call step,check-clients (TypeScript),tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(call TS_GENERATE,"$$tmp/generated") >/dev/null && \
		diff -ru $(TS_CLIENT)/generated "$$tmp/generated",clients/typescript does not match openapi.yaml: run 'make generate' and commit the result.)
	@if [ -z "$(HAVE_JAVA)" ]; then \
		echo "==> check-clients (Go): SKIPPED, java is not installed (openapi-generator needs Java 17: apt-get install -y openjdk-17-jre-headless)"; \
	else \
		echo "==> check-clients (Go)"; \
		tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		cp $(GO_CLIENT)/.openapi-generator-ignore "$$tmp/" && \
		$(MAKE) --no-print-directory _go-client GO_OUT="$$tmp" && \
		diff -ru $(GO_CLIENT) "$$tmp" || { echo; echo "FAILED: check-clients (Go). clients/go does not match openapi.yaml: run 'make generate' and commit the result."; exit 1; }; \
	fi

.PHONY: check-generated
check-generated: $(VENV_STAMP) ## Fail with a diff when generated/ or the door to it does not match openapi.yaml.
	$(call step,check-generated,tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(GENERATE) --output-path "$$tmp/$(GEN_PKG)" >/dev/null && \
		diff -ru -x __pycache__ "generated/$(GEN_PKG)" "$$tmp/$(GEN_PKG)",generated/ does not match openapi.yaml: run 'make generate' and commit the result.)
	$(call step,check-generated ($(DOOR)),$(WRITE_DOOR) --package generated/$(GEN_PKG) --output - | \
		diff -u --label "$(DOOR) (committed)" --label "$(DOOR) (as make generate writes it)" $(DOOR) -,$(DOOR) does not match generated/: run 'make generate' and commit the result.)

.PHONY: format
format: $(VENV_STAMP) ## Format and autofix the hand-written code.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: clean
clean: ## Remove the virtualenv, node_modules and caches.
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
