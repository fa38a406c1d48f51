# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean clean-cache

$(BIN)/limsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/limsim
	$(BIN)/limsim suite

test: $(BIN)/limsim
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(BIN)/limsim
	$(BIN)/ruff check simcore devices experiments harness tests benchmarks examples

bench: $(BIN)/limsim
	$(BIN)/limsim bench --quick

clean: clean-cache
	rm -rf $(VENV) .pytest_cache .ruff_cache

clean-cache:
	find simcore devices experiments harness benchmarks tests -name '*.nbi' -delete -o -name '*.nbc' -delete
