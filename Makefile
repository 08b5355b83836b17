# Nära: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NARA_PORT ?= 8000

.PHONY: install install-test demo test lint typecheck pytest clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

pytest: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache nara.db nara.db-wal nara.db-shm
