"""Helpers for tests: the fixture data, recipe writing, and running the CLI like a user."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import traceback
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
TRAIN_CSV = FIXTURES / "reviews_train.csv"
TEST_CSV = FIXTURES / "reviews_test.csv"

# Small and fast, but a real model on real data: 2 epochs of 81 rows at 64 tokens.
FAST_TRAINING = {"epochs": 2, "max_length": 64, "batch_size": 16, "learning_rate": 1e-4, "seed": 7}
# For tests that need the pipeline to run, not a model that learnt much: 1 epoch at 32 tokens.
TINY_TRAINING = {**FAST_TRAINING, "epochs": 1, "max_length": 32}


def write_recipe(directory: Path, **changes: object) -> Path:
    """A recipe over the fixture data in `directory`; keyword arguments replace top-level sections."""
    recipe: dict[str, object] = {
        "model": "minilm",
        "task": "classification",
        "data": {"train": str(TRAIN_CSV), "test": str(TEST_CSV)},
        "training": dict(FAST_TRAINING),
        "evaluation": {
            "baselines": [],
            "explain_errors": 0,
        },  # the report's attributions: tests that want them
        "output": str(directory / "run"),
    }
    recipe.update(changes)
    path = directory / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


def vertune(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would: its arguments in, its exit code, stdout and stderr out.

    In this process (`vertune.cli.main` with sys.argv set, output captured): the entry point a user's
    `vertune ...` runs, without paying ~5 CPU-seconds of imports (torch, transformers) per call; an uncaught
    exception becomes a traceback on stderr and exit 1, as in a real process. Tests of what needs a fresh
    interpreter (kill -9, torchrun, a served process, SIGTERM) start their own subprocess."""
    return _in_process(list(args), cwd)


def _in_process(args: list[str], cwd: Path | None) -> subprocess.CompletedProcess[str]:
    from vertune.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    argv, previous_dir = sys.argv, Path.cwd()
    code = 0
    try:
        sys.argv = ["vertune", *args]
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            except Exception:  # what an uncaught error does to a real process: a traceback, exit 1
                traceback.print_exc()
                code = 1
    finally:
        sys.argv = argv
        os.chdir(previous_dir)
    return subprocess.CompletedProcess(["vertune", *args], code, stdout.getvalue(), stderr.getvalue())


def fails_cleanly(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Assert a CLI call failed as a user error (exit 2, no traceback) naming each expected text."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr


def free_port() -> int:
    """A free TCP port on the loopback interface (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
