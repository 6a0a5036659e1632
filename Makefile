# The README's two commands: `make demo` and `make test`. Each creates the virtualenv and
# installs what is missing first, so both work on a fresh clone.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The probe is silent: a pyenv shim for a version that is not active prints "command not found"
# on stderr, which is noise once another candidate is found.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379
export TEST_DATABASE_URL TEST_REDIS_URL

.PHONY: demo test lint types contracts unit install clean web chromium reliability security bench

# The dashboard (web/): built from its lock file with `npm ci`, then `vite build` into web/dist,
# which Flask serves at /app. Rebuilt when the lock file or any source changes.
WEB_STAMP := web/node_modules/.installed
WEB_BUILD := web/dist/.vite/manifest.json
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/vite.config.ts web/tsconfig.json

$(WEB_STAMP): web/package-lock.json web/package.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20.19+) is required to build the dashboard in web/" >&2; exit 1; }
	@echo "installing the dashboard's packages (web/, npm ci)"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Quiet unless something is wrong: make demo's console is the banner and the demo's events.
$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	@echo "building the dashboard (web/, vite build)"
	@cd web && npm run --silent build -- --logLevel warn

web: $(WEB_BUILD)

# The browser tests drive Debian's Chromium; without one `make test` stops here and says so.
CHROMIUM ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)
export CHROMIUM
chromium:
	@test -x "$(CHROMIUM)" || { echo "No Chromium at $(CHROMIUM): the browser tests (tests/e2e) need Debian's chromium. Install it with: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)" >&2; exit 1; }

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned Python requirements into $(VENV)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(STAMP)

demo: $(STAMP) web
	@$(BIN)/python -m demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

# The import contracts in .importlinter: a pure core, stages in one direction, no cycles.
contracts: $(STAMP)
	$(BIN)/lint-imports --no-logo --no-cache

test: lint types contracts web chromium
	$(BIN)/pytest

# The reliability suite alone (make test runs it too): private PostgreSQL and Redis it kills.
reliability: $(STAMP)
	$(BIN)/pytest tests/reliability -v

# Static security scan of the app (settings under [tool.bandit] in pyproject.toml).
security: $(STAMP)
	$(BIN)/bandit -c pyproject.toml -r app -q

# Every benchmark under bench/<name>/run.py, then one markdown report (bench/README.md).
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis web/dist web/node_modules .e2e
