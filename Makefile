PY ?= python3
PIP ?= $(PY) -m pip

.PHONY: install demo test

install:
	$(PIP) install -q -e ".[dev]"

demo: install
	tablefuse integrate examples/lake --db demo.duckdb --truth examples/truth

test: install
	$(PY) -m pytest -q
