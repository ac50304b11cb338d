# The two sacred commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KB     := $(VENV)/bin/kb
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup run test lint format bench bench-large clean meili-stop

setup: $(STAMP) .tools/.meili-ok

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "kb needs Python 3.11 or newer" or 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Fetch and verify the pinned Meilisearch (skipped when MEILI_BIN or a meilisearch on PATH wins).
.tools/.meili-ok: $(STAMP)
	$(PY) -m kb.meili install
	@mkdir -p .tools && touch $@

run: setup
	@# a broken or withheld case file makes kb index exit 1 after applying every valid change:
	@# the app still starts, on the index as it now stands
	$(KB) index || echo 'make run: 上に挙げたファイルは索引に反映していません。ほかの事例で起動します'
	$(KB) user ensure-admin
	$(KB) serve

test: setup lint
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check kb indexer web tests bench
	$(VENV)/bin/ruff format --check kb indexer web tests bench
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format kb indexer web tests
	$(VENV)/bin/ruff check --fix kb indexer web tests

# Benchmarks (docs/BENCHMARKS.md): 2,000 and 20,000 cases; bench-large adds 100,000.
BENCH_SIZES ?= 2000,20000
BENCH_FILES ?= 2000
bench: setup
	command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) -m bench.run --sizes $(BENCH_SIZES) --files $(BENCH_FILES) --command "make bench BENCH_SIZES=$(BENCH_SIZES) BENCH_FILES=$(BENCH_FILES)"

bench-large: setup
	command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) -m bench.run --sizes 2000,20000,100000 --command "make bench-large"

meili-stop: setup
	$(KB) meili stop

clean:
	-$(KB) meili stop
	rm -rf $(VENV) .tools .data .pytest_cache .mypy_cache .ruff_cache test-artifacts
