# The two commands of the README. Both start from nothing: they make .venv and install into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg -p no:python

.PHONY: setup demo test lint bench clean

$(BIN)/matchmaking: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -c "from matchmaking.solvers.seating import warm_up; warm_up()"  # compile the seating kernel once
	$(BIN)/python -c "from matchmaking.scoring.candidates import warm_up; warm_up()"  # and the partner-list kernel
	touch $(BIN)/matchmaking

setup: $(BIN)/matchmaking

demo: setup
	$(BIN)/matchmaking demo

test: setup
	$(BIN)/ruff check matchmaking tests benchmarks
	$(BIN)/python -m pytest -n 2 tests matchmaking
	$(BIN)/python -m pytest -n 2 --dist loadscope $(NBVAL) notebooks/

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports/demo
