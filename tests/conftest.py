"""Shared fixtures: the real offline MiniLM, a small real dataset, and one trained run reused by tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import vertune, write_recipe

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# What `vertune.cli.main` sets before transformers is imported; the CLI runs in-process in the tests
# (helpers.vertune), where transformers was imported earlier and reads these once, at import.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# Under pytest-xdist, the cores are shared out between the workers (and the CLI processes they start): with
# torch's default of one thread per core in every worker, 4 busy threads on 2 cores make OpenMP's barriers
# spin. On the 2-core machine with other jobs running (load ~10), a tiny training run took 31 CPU-s with 2
# threads and 6.5 with 1; the whole suite went from 28 to 7-8 CPU-min with this and the in-process CLI.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    from vertune.models import resolve_model

    return Path(resolve_model("minilm"))


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The builtin causal LM, converted from its GGUF once per machine (cached under ~/.cache/vertune)."""
    from vertune.models import resolve_model

    return Path(resolve_model("smollm2"))


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run trained through the CLI with both baselines, shared by the tests that only read it.

    Trained once per test session, also under pytest-xdist: the workers share their base temp folders'
    parent, and a file lock lets the first one train while the others wait for it."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    # An xdist worker's base temp is a folder of this session's; a plain session's parent is shared by all.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = shared / "trained"
    with FileLock(str(shared / "trained.lock")):
        if not (directory / "run" / "metrics.json").is_file():
            shutil.rmtree(directory, ignore_errors=True)  # a half-trained run of a killed session
            directory.mkdir()
            recipe = write_recipe(directory, evaluation={"baselines": ["tfidf_logreg", "linear_probe"]})
            result = vertune("train", str(recipe), "--quiet")
            assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


@pytest.fixture
def copy_of(tmp_path: Path):
    def copy(path: Path) -> Path:
        target = tmp_path / path.name
        shutil.copytree(path, target)
        return target

    return copy
