# Mission Control — setup, run and CI plumbing.
#
#   make run    # venv + bun + migrate + seed, then serve http://localhost:3000 (prod mode)
#   make test   # venv + bun + chromium, lint, typecheck, pytest (+ PostgreSQL pass when CI=true)
#
# Every install step is guarded by a stamp or an existence check, so a second run with
# nothing changed skips straight to the work.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

ROOT := $(CURDIR)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
VENV_STAMP := $(VENV)/.mc-installed
TORCH_VERSION := 2.13.0
BUN_VERSION := 1.4.5
BUN := $(ROOT)/.tools/node_modules/.bin/bun
PORT ?= 3000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
NAME ?=
SIMULATE ?=
SIM_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Environment for everything below (Reflex, tests, tools). See shared/STACK.md.
export PATH := $(ROOT)/$(VENV)/bin:$(ROOT)/.tools/node_modules/.bin:$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_PROGRESS_BAR := off
ifndef NPM_CONFIG_REGISTRY
NPM_CONFIG_REGISTRY := $(shell npm config get registry 2>/dev/null)
endif
ifneq ($(strip $(NPM_CONFIG_REGISTRY)),)
export NPM_CONFIG_REGISTRY
endif

# Only for targets that have bun: Reflex refuses a REFLEX_BUN_PATH that does not exist yet.
run test test-pg screenshots: export REFLEX_BUN_PATH := $(BUN)

.PHONY: help venv bun chromium migrate seed run demo lint typecheck test test-pg screenshots \
	bench lock clean distclean

help:
	@echo "make run          install what is missing, migrate, seed, serve http://localhost:$(PORT)"
	@echo "make demo         make run, with a simulated squad working the board (make run SIMULATE=1)"
	@echo "make test         lint + typecheck + pytest (SQLite); with CI=true also pytest -m db on PostgreSQL"
	@echo "make test-pg      pytest -m db against MC_TEST_DATABASE_URL=$(PG_TEST_URL)"
	@echo "make venv|bun|chromium|migrate|seed|lint|typecheck|screenshots|bench NAME=...|lock|clean|distclean"

# --- installs ---------------------------------------------------------------------------

venv: $(VENV_STAMP)

# torch goes in first, on its own: the CPU wheel is provided locally (pip's find-links);
# letting the resolver pick torch would pull gigabytes of CUDA builds.
$(VENV_STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), "need Python 3.11, got " + sys.version'
	$(PIP) install -c requirements.lock torch==$(TORCH_VERSION)
	@$(PY) -c 'import importlib.metadata as m; v = m.version("torch"); "+cpu" in v or print("warning: torch " + v + " is not the CPU build")'
	$(PIP) install -c requirements.lock -e '.[dev]'
	@touch $@

bun: $(BUN)

$(BUN):
	@command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; }
	npm install --prefix .tools --no-audit --no-fund --save-exact bun@$(BUN_VERSION)
	@$(BUN) --version >/dev/null
	@touch $@

# Debian's chromium (Playwright drives it via executable_path; no browser download).
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-cache show chromium chromium-driver >/dev/null 2>&1 || $(SUDO) apt-get update; \
	$(SUDO) apt-get install -y chromium chromium-driver \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; }

# --- app --------------------------------------------------------------------------------

migrate: venv
	$(VENV)/bin/alembic upgrade head

seed: migrate
	$(PY) -m mission_control.seed

# Prod mode serves frontend and backend on one port; it rebuilds the frontend on each start.
# SIMULATE=1 plays a squad of simulated agents through the API once the app is up (see
# mission_control/tools/demo.py); SIM_ARGS tunes it, e.g. SIM_ARGS="--agents 5 --tasks 30".
run: venv bun migrate seed
	@if [ -n "$(SIMULATE)" ]; then $(PY) -m mission_control.tools.demo --port $(PORT) $(SIM_ARGS) & fi; \
	reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

demo:
	@MC_ACCESS_LOG=false $(MAKE) --no-print-directory run SIMULATE=1

# --- checks -----------------------------------------------------------------------------

lint: venv
	ruff check mission_control tests alembic/env.py rxconfig.py

typecheck: venv
	mypy mission_control

test: venv bun chromium lint typecheck
	pytest $(PYTEST_ARGS)
ifeq ($(CI),true)
	@$(MAKE) --no-print-directory test-pg
endif

# pytest exits 5 when -m db selects nothing: there are no database tests to repeat then.
test-pg: venv bun
	@echo "pytest -m db on $(PG_TEST_URL)"
	@MC_TEST_DATABASE_URL='$(PG_TEST_URL)' pytest -m db $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no db-marked tests: PostgreSQL pass skipped"; else exit $$rc; fi; }

# --- tools ------------------------------------------------------------------------------

screenshots: venv bun chromium
	$(PY) -m mission_control.tools.screenshots

bench: venv
	$(PY) -m mission_control.bench $(NAME)

# Re-freeze the pinned transitive set (constraints file) from the current venv.
lock: venv
	@{ sed -n '/^#/p' requirements.lock; \
	  $(PIP) freeze --exclude torch --exclude mission-control | grep -v -e '^-e ' -e '^torch=='; \
	} > requirements.lock.tmp && mv requirements.lock.tmp requirements.lock
	@echo "requirements.lock: $$(grep -vc '^#' requirements.lock) pins"

clean:
	rm -rf .web .states build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -print0 \
	  | xargs -0 rm -rf

# Also drops the installs and the local database.
distclean: clean
	rm -rf $(VENV) .tools data screenshots
