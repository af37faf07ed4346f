# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench bench-check load lint format messages e2e-deps clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "organizer needs Python 3.11 or newer")'
	@echo "==> Creating a virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "==> Installing organizer and its libraries (the first time takes a minute or two)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	@echo "==> Installing the test tools"
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

$(VENV)/.installed-load: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[load]'
	@touch $@

# The web server and a queue worker together (mail, printed matter, long solves, the routine
# jobs on their clock); Ctrl-C stops both.
run: $(VENV)/.installed
	@echo "==> Bringing the database up to date (instance/)"
	$(FLASK) db upgrade
	@echo "==> Loading the demo workshop from fixtures/"
	$(FLASK) demo --url http://$(HOST):$(PORT)
	@echo "==> Serving on http://$(HOST):$(PORT) with a queue worker beside it (Ctrl-C stops both)"
	@$(FLASK) worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite runs on SQLite, then again on ORGANIZER_TEST_DATABASE_URL when it is set (PostgreSQL
# in CI). The browser tests run once, on SQLite: they test pages, and take half of a run's time;
# every service and view test runs on both databases. Then the unit tests of the browser scripts'
# pure parts, with Node's own test runner.
test: $(VENV)/.installed-test
	$(BIN)/pytest --database-url=sqlite
	@if [ -n "$$ORGANIZER_TEST_DATABASE_URL" ]; then \
		echo "== again on $$ORGANIZER_TEST_DATABASE_URL, without the browser tests"; \
		$(BIN)/pytest --database-url="$$ORGANIZER_TEST_DATABASE_URL" -m "not e2e"; \
	fi
	@if command -v node >/dev/null 2>&1; then node --test tests/js/; \
	else echo "== node is not installed: the editor script's unit tests (tests/js) are skipped"; fi

bench: $(VENV)/.installed-test
	$(BIN)/pytest tests/bench -p no:randomly --benchmark-only --benchmark-columns=min,median,mean,max,rounds

# Every benchmark once, untimed, on SQLite, at smaller sizes (tests/bench/conftest.py): CI runs
# this so that the benchmarks cannot rot unseen.
bench-check: $(VENV)/.installed-test
	$(BIN)/pytest tests/bench -q -p no:randomly --benchmark-disable

# A load and fault test on a real stack, not part of `make test` (about 4 minutes): a fresh
# database on the PostgreSQL at 127.0.0.1:5432 (user postgres, trust), Redis at 127.0.0.1:6379,
# gunicorn with 4 workers, 2 queue workers. It restarts PostgreSQL (pg_ctlcluster): run it as
# root, on a machine of your own. The report is in instance/load/; docs/operator.md has figures.
load: $(VENV)/.installed-load
	$(BIN)/python -m tests.load

# ESLint for the browser scripts and their tests: a development tool from package-lock.json
# (node_modules/ is installed once, and again when the lock file changes).
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

lint: $(VENV)/.installed-test node_modules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/eslint static/js tests/js eslint.config.js

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every translatable string into translations/messages.pot for translators.
messages: $(VENV)/.installed
	mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .

# System packages the browser, PDF and ical.js tests need (Debian; run as root).
e2e-deps:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils libharfbuzz-subset0 nodejs npm

clean:
	rm -rf $(VENV) instance/organizer.sqlite3 .pytest_cache
