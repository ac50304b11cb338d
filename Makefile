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
	$(KB) index
	$(KB) serve

test: setup lint
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check kb indexer web tests
	$(VENV)/bin/ruff format --check kb indexer web tests
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format kb indexer web tests
	$(VENV)/bin/ruff check --fix kb indexer web tests

meili-stop: setup
	$(KB) meili stop

clean:
	-$(KB) meili stop
	rm -rf $(VENV) .tools .data .pytest_cache .mypy_cache .ruff_cache test-artifacts
