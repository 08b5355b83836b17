# Nära: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NARA_PORT ?= 8000

.PHONY: install install-test demo test lint typecheck pytest clean messages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml tests/browser/package-lock.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	cd tests/browser && npm ci --silent --no-audit --no-fund
	touch $@

demo: install
	$(BIN)/nara migrate
	$(BIN)/nara demo --keep-existing
	NARA_PORT=$(NARA_PORT) $(BIN)/nara serve

test: install-test lint typecheck pytest

lint: install-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: install-test
	$(BIN)/mypy src

# In parallel, one worker per core (PYTEST_WORKERS=0 runs in one process); the browser
# tests share one worker (their server and Chromium start once).
PYTEST_WORKERS ?= auto
pytest: install-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache nara.db nara.db-wal nara.db-shm

# Extract UI strings and merge them into the sv and en catalogs (then translate the new ones).
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k translate:2 --no-location --omit-header --sort-output -o src/nara/locale/messages.pot .
	$(BIN)/pybabel update -i src/nara/locale/messages.pot -d src/nara/locale --no-fuzzy-matching --ignore-obsolete --omit-header
	$(BIN)/python tools/fill_catalogs.py
