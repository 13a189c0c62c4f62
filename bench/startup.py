"""How long `vertune predict RUN "one text"` takes from a cold process, against the floor: importing torch,
transformers, the auto classes, and a plain transformers script that loads the same run's model and
tokenizer and predicts the same text; and the same command on the run's ONNX export (`--backend onnx` /
`onnx-int8`: ONNX Runtime and the `tokenizers` library, no torch), against importing those two. Median wall
and CPU seconds of `--repeats` fresh processes each; every group of repeats holds /tmp/timing.lock (never two
timing runs at once). One JSON line per measurement, then a summary line.

    python bench/startup.py                 (trains and exports a tiny run first, nice'd, in a temporary folder)
    python bench/startup.py --run RUN       (times an existing classification run; the ONNX cases need
                                             `vertune export RUN --int8` done)
    python bench/startup.py --case "vertune predict"   (only the cases named; repeatable)

The vertune under test is the one on PYTHONPATH (or installed): point it at another checkout to compare.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from helpers import TINY_TRAINING, write_recipe

LOCK = "/tmp/timing.lock"
TEXT = "one text"

# The floor: what any tool has to do to answer from this run (tokenizer, model, one forward pass).
PLAIN = """
import sys
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
model = AutoModelForSequenceClassification.from_pretrained(sys.argv[1]).eval()
with torch.inference_mode():
    print(model(**tokenizer([sys.argv[2]], return_tensors="pt")).logits.softmax(-1).tolist())
"""


@contextmanager
def timing_lock() -> Iterator[None]:
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def times_of(command: list[str], env: dict[str, str], repeats: int) -> tuple[list[float], list[float], float]:
    """Wall seconds and CPU seconds (user + system) of `repeats` fresh processes, under the timing lock, and
    the 1-minute load before them. On a shared machine the CPU seconds move less than the wall time."""
    walls, cpus = [], []
    with timing_lock():
        load = os.getloadavg()[0]
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus, load


def tiny_run(folder: Path, env: dict[str, str]) -> Path:
    recipe = write_recipe(folder, training=dict(TINY_TRAINING), output=str(folder / "run"))
    nice = ["nice", "-n", "19", sys.executable, "-m", "vertune"]
    quiet_env = {**env, "VERTUNE_TRACKING": "off"}
    subprocess.run([*nice, "train", str(recipe), "--quiet"], env=quiet_env, check=True)
    subprocess.run([*nice, "export", str(folder / "run"), "--int8", "--quiet"], env=quiet_env, check=True)
    return folder / "run"


def measure(run: Path, repeats: int, env: dict[str, str], only: list[str] | None = None) -> None:
    python = sys.executable
    vertune_predict = [python, "-m", "vertune", "predict", str(run), TEXT]
    cases = {
        "import torch": [python, "-c", "import torch"],
        "import transformers": [python, "-c", "import transformers"],
        "import auto classes": [
            python,
            "-c",
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
        ],
        "plain transformers predict": [python, "-c", PLAIN, str(run / "model"), TEXT],
        "vertune predict": vertune_predict,
        "import onnxruntime, tokenizers": [python, "-c", "import onnxruntime, tokenizers"],
        "vertune predict --backend onnx": [*vertune_predict, "--backend", "onnx"],
        "vertune predict --backend onnx-int8": [*vertune_predict, "--backend", "onnx-int8"],
    }
    medians = {}
    for case, command in cases.items():
        if only and case not in only:
            continue
        if "--backend" in command and not (run / "onnx" / "export.json").is_file():
            print(json.dumps({"bench": "startup", "case": case, "skipped": "no ONNX export in the run"}))
            continue
        walls, cpus, load = times_of(command, env, repeats)
        medians[case] = {
            "wall_s": round(statistics.median(walls), 2),
            "cpu_s": round(statistics.median(cpus), 2),
        }
        line = {"bench": "startup", "case": case, **medians[case], "load_1min": round(load, 2)}
        print(json.dumps({**line, "walls_s": [round(t, 2) for t in walls]}), flush=True)
    print(json.dumps({"bench": "startup", "medians": medians, "load_1min": round(os.getloadavg()[0], 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, help="an existing classification run (default: train a tiny one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", action="append", help="time only this case (repeatable; default: all)")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if args.run is not None:
        measure(args.run, args.repeats, env, args.case)
        return
    with tempfile.TemporaryDirectory() as folder:
        measure(tiny_run(Path(folder), env), args.repeats, env, args.case)


if __name__ == "__main__":
    main()
