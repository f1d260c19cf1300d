# ArbitrageVault — the two commands of the README, and a few helpers.
# Needs only Python 3.11 and make: everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test e2e install lint format migrate demo worker clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d)" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_setup --url http://$(HOST):$(PORT)/

## run: set up and serve the app on SQLite with demo market data (and a background worker)
run: demo
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the worker)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --interval 0.5 > .worker.log 2>&1 & worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/python manage.py db_worker

## test: the whole suite (browser tests included) on the database of DATABASE_URL (SQLite by default)
test: install
	$(BIN)/python -m pytest -n auto

## e2e: the browser tests alone (Playwright driving /usr/bin/chromium; screenshots in tests/e2e/artifacts)
e2e: install
	$(BIN)/python -m pytest -m e2e tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache db.sqlite3 db.sqlite3-wal db.sqlite3-shm .worker.log
