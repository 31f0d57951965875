# Two commands for a newcomer: `make up` and `make test`. Everything else is reached from them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev
TARGET ?= emulator
EMULATOR_PORT ?= 4566
EMULATOR_URL := http://127.0.0.1:$(EMULATOR_PORT)
EMULATOR_DIR := .rcl-emulator
DATA_DIR := .data

# Everything the Pulumi CLI needs: a local file backend, no update checks, no plugin downloads.
export PULUMI_BACKEND_URL := file://$(CURDIR)/.pulumi-state
export PULUMI_CONFIG_PASSPHRASE ?= rcl-local-passphrase
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_HOME ?= $(CURDIR)/.pulumi-state/home

ENGINE_DIR = $(shell cat $(VENV)/.pulumi-dir 2>/dev/null)
# The language host runs the first `python3` on PATH, so the virtualenv goes first.
PULUMI = PATH="$(CURDIR)/$(VENV)/bin:$(ENGINE_DIR):$$PATH" PYTHONPATH="$(CURDIR)" pulumi

ifeq ($(TARGET),emulator)
  TARGET_ENV := AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
else
  TARGET_ENV :=
endif

.PHONY: stack-select help setup engine up down detect report outputs test test-fast lint bench emulator emulator-stop clean sdk dist

help:
	@echo "make up      - train and run the demo model (on the local emulator unless TARGET=aws)"
	@echo "make test    - install everything and run the whole test suite"
	@echo "make detect IMAGE=path.png | make report | make down | make lint | make bench | make sdk"
	@echo "make dist    - build the release artefacts into dist/"

# The package (with the plugin `pulumi-resource-rcl`) and the generated Python SDK `pulumi_rcl`.
$(VENV)/.installed: pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -e sdk/python
	touch $@

$(VENV)/.pulumi-dir: scripts/install-pulumi | $(VENV)/.installed
	bash scripts/install-pulumi | tail -n 1 > $@.tmp && mv $@.tmp $@

setup: $(VENV)/.installed $(VENV)/.pulumi-dir

engine: $(VENV)/.pulumi-dir

emulator: setup
	@$(PY) scripts/emulatorctl.py start --port $(EMULATOR_PORT) --state-dir $(EMULATOR_DIR)

emulator-stop:
	@if [ -x $(PY) ]; then $(PY) scripts/emulatorctl.py stop --state-dir $(EMULATOR_DIR); fi

$(DATA_DIR)/digits/.done: | $(VENV)/.installed
	$(PY) -m rcl_emulator.digits $(DATA_DIR)/digits
	touch $@

stack-select: setup
	@mkdir -p .pulumi-state/home
	@$(PULUMI) stack select $(STACK) --create --non-interactive >/dev/null
	@if [ "$(TARGET)" = "emulator" ]; then \
	  $(PULUMI) config set rcl:target emulator --stack $(STACK) >/dev/null && \
	  $(PULUMI) config set rcl:endpointUrl $(EMULATOR_URL) --stack $(STACK) >/dev/null && \
	  $(PULUMI) config set rcl:s3EndpointUrl $(EMULATOR_URL) --stack $(STACK) >/dev/null && \
	  $(PULUMI) config set rcl:region us-east-1 --stack $(STACK) >/dev/null; \
	else \
	  $(PULUMI) config set rcl:target aws --stack $(STACK) >/dev/null && \
	  { $(PULUMI) config rm rcl:endpointUrl --stack $(STACK) >/dev/null 2>&1 || true; } && \
	  { $(PULUMI) config rm rcl:s3EndpointUrl --stack $(STACK) >/dev/null 2>&1 || true; }; fi
	@if [ -n "$(REGION)" ]; then $(PULUMI) config set rcl:region $(REGION) --stack $(STACK); fi
	@if [ -n "$(BUCKET)" ]; then $(PULUMI) config set rcl:bucket $(BUCKET) --stack $(STACK); fi
	@if [ -n "$(RUNNING)" ]; then $(PULUMI) config set rcl:running $(RUNNING) --stack $(STACK); fi

up: setup $(DATA_DIR)/digits/.done
	@if [ "$(TARGET)" = "emulator" ]; then $(MAKE) --no-print-directory emulator; fi
	@$(MAKE) --no-print-directory stack-select
	$(TARGET_ENV) $(PULUMI) up --yes --stack $(STACK)
	@$(PULUMI) stack output --json --stack $(STACK) > .pulumi-state/outputs-$(STACK).json

# Another stack's outputs (e.g. an example's `pulumi stack output --json > f.json`): OUTPUTS=f.json
OUTPUTS ?= .pulumi-state/outputs-$(STACK).json

outputs:
	@if [ "$(OUTPUTS)" = ".pulumi-state/outputs-$(STACK).json" ]; then \
	  $(PULUMI) stack output --json --stack $(STACK) > $(OUTPUTS); fi

detect: outputs
	@test -n "$(IMAGE)" || { echo "usage: make detect IMAGE=path/to/image.png"; exit 2; }
	@$(TARGET_ENV) $(PY) -m rcl_demo.detect --outputs $(OUTPUTS) "$(IMAGE)"

report: outputs
	@$(TARGET_ENV) $(PY) -m rcl_demo.report --outputs $(OUTPUTS) --out reports/evaluation.png

down: setup
	@if [ "$(TARGET)" = "emulator" ]; then $(MAKE) --no-print-directory emulator; fi
	@if $(PULUMI) stack select $(STACK) --non-interactive >/dev/null 2>&1; then \
	  $(TARGET_ENV) $(PULUMI) destroy --yes --skip-preview --stack $(STACK); fi
	@if [ "$(TARGET)" = "emulator" ]; then $(MAKE) --no-print-directory emulator-stop; fi

# The release artefacts (scripts/dist), rebuilt when a file they are made from changes.
DIST_SOURCES := $(wildcard $(shell git ls-files --cached --others --exclude-standard \
  rcl_resources rcl_emulator sdk packaging scripts/dist pyproject.toml README.md LICENSE \
  2>/dev/null))

dist/SHA256SUMS: $(DIST_SOURCES) | $(VENV)/.installed
	PY=$(PY) bash scripts/dist

dist: dist/SHA256SUMS

test: setup dist lint
	PATH="$(ENGINE_DIR):$$PATH" RCL_REQUIRE_ENGINE=1 $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Regenerate sdk/ and the Python surface from the core (`make test` fails while they are stale).
sdk: setup
	PY=$(PY) bash scripts/sdk

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	"$$(bash scripts/install-actionlint | tail -n 1)/actionlint" -no-color .github/workflows/*.yml

bench: setup dist
	PATH="$(ENGINE_DIR):$$PATH" $(PY) -m benchmarks

clean: emulator-stop
	rm -rf $(VENV) .pulumi-state $(EMULATOR_DIR) $(DATA_DIR) reports dist
