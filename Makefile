# gansci: `make demo` sets up and runs a short real experiment with its validation report;
# `make test` sets up and runs the test suite. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PLUGINS := $(wildcard plugins/*/pyproject.toml)

.PHONY: setup demo test test-slow lint clean

$(VENV)/.installed: pyproject.toml $(PLUGINS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0 -e '.[test]' $(foreach p,$(dir $(PLUGINS)),-e $(p))
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/gansci run grid25 --out runs/demo-grid25 --seed 0 --force

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) runs .pytest_cache
