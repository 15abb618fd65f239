# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed

.PHONY: install bytecode serve test reliability lint bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $(STAMP)

install: bytecode

# The project's own modules, compiled ahead: an editable install leaves them as source,
# and where PYTHONDONTWRITEBYTECODE is set every process would compile them again at
# each start (about 300 ms of a server's start-up). Up-to-date files are skipped.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 src

serve: bytecode
	$(BIN)/ontap-ipsec serve

test: bytecode
	tests/prepare.sh
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

# The reliability suite at full size (kills, concurrent writers, database restarts, a full
# disk, schemathesis, fuzzing, abusive clients); `make test` runs it at its short size.
reliability: bytecode
	tests/prepare.sh
	ONTAP_IPSEC_RELIABILITY=full $(BIN)/python -m pytest -q tests/reliability $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

bench: bytecode
	$(BIN)/python bench/run.py

bench-quick: bytecode
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
