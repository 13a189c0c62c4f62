"""Scale-out: `torchrun -m vertune train` with 2 CPU processes (DDP over gloo) on the fixture data.

Same global batch (2 x 8 = 16) and steps as the single-process run. The numbers can still differ a
little: each process draws its own shuffled, length-grouped share of the data, so the batches are made
of other rows, and the gradients are averaged over 2 x 8 rows in a different order (float sums are not
associative). On 81 training rows and 2 epochs that moves single predictions, not the picture: the
test accuracy may differ by a few rows (we allow 0.15 on 36 rows) and the validation loss by 25%.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import vertune, write_recipe

pytestmark = pytest.mark.e2e


def torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "vertune", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"},
    )


def final_eval(run: Path) -> dict:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines() if "eval_loss" in line][
        -1
    ]


def test_two_processes_match_one(tmp_path):
    recipe = write_recipe(tmp_path)
    single = vertune("train", str(recipe), "--quiet", "--set", "training.batch_size=16")
    assert single.returncode == 0, single.stderr[-3000:]
    run = tmp_path / "run"
    one = json.loads((run / "metrics.json").read_text())
    one_eval = final_eval(run)

    # --overwrite over the finished run: only rank 0 may delete and recreate the directory.
    double = torchrun(
        "train", str(recipe), "--quiet", "--overwrite", "--set", "training.batch_size=8", cwd=tmp_path
    )
    assert double.returncode == 0, double.stderr[-3000:]
    two = json.loads((run / "metrics.json").read_text())
    two_eval = final_eval(run)

    assert two["train"]["epochs_run"] == one["train"]["epochs_run"]
    assert two_eval["step"] == one_eval["step"]  # the same number of optimizer steps
    assert abs(two["test"]["accuracy"] - one["test"]["accuracy"]) <= 0.15
    assert two_eval["eval_loss"] == pytest.approx(one_eval["eval_loss"], rel=0.25)
    # one writer: every step is logged once, not once per process
    evaluations = [line for line in (run / "log.jsonl").read_text().splitlines() if "eval_loss" in line]
    assert len(evaluations) == 2  # one per epoch
    assert (run / "model" / "config.json").is_file()
