# The two commands of the README: `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEMO_DIR ?= demo-out

.PHONY: demo test lint typecheck pytest setup setup-dev clean bench fuzz

$(VENV)/bin/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "synthtrace needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/activate pyproject.toml
	scripts/system-deps.sh runtime
	$(PY) -m pip install -q -e '.[demo]'
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml
	scripts/system-deps.sh test
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

demo: setup
	rm -rf $(DEMO_DIR)
	$(VENV)/bin/synthtrace demo $(DEMO_DIR)

lint: setup-dev
	$(VENV)/bin/ruff check src tests benchmarks fuzz
	$(VENV)/bin/ruff format --check src tests benchmarks fuzz

typecheck: setup-dev
	$(VENV)/bin/mypy

# The whole suite twice: on SQLite, then on a PostgreSQL server the session starts itself.
pytest: setup-dev
	$(PY) -m pytest -q --database sqlite
	$(PY) -m pytest -q --database postgresql

test: lint typecheck pytest

bench: setup-dev
	scripts/system-deps.sh bench
	$(PY) benchmarks/scan_bench.py
	$(PY) benchmarks/throughput_bench.py
	$(PY) benchmarks/filetype_bench.py

# Every fuzz target in turn, FUZZ_SECONDS each; corpora grow in fuzz/corpus/ (docs/fuzzing.md).
FUZZ_SECONDS ?= 60
fuzz: setup-dev
	$(PY) -m fuzz.run --target all --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) $(DEMO_DIR) build dist src/*.egg-info
