"""What MLflow tracking adds to one `vertune train`: a tiny run is trained once with tracking off, then
`track_run` logs it (a) into a new SQLite store, (b) into the same store again, each in a fresh process that
has already imported what a train process holds (vertune's workflow, torch, transformers), so the time is
what tracking itself adds. One JSON line per measurement.

    VERTUNE_TRACKING=off python bench/tracking_cost.py   (the switch is cleared for the measured processes)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from helpers import TINY_TRAINING, write_recipe

MEASURE = """
import json, sys, time
import torch, transformers  # a train process holds these already
import vertune.workflows.train
from vertune.tracking import track_run
wall, cpu = time.perf_counter(), time.process_time()
record = track_run(sys.argv[1], "train")
print(json.dumps({"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
                  "logged": record is not None}))
"""


def main() -> None:
    env = {**os.environ, "VERTUNE_TRACKING": "off", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        recipe = write_recipe(root, training=dict(TINY_TRAINING), output=str(root / "runs" / "tiny"))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "vertune", "train", str(recipe), "--quiet"], env=env, check=True
        )
        train_s = time.perf_counter() - started
        env.pop("VERTUNE_TRACKING")
        load = os.getloadavg()[0]
        for case in ("new store", "existing store"):
            done = subprocess.run(
                [sys.executable, "-c", MEASURE, str(root / "runs" / "tiny")],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                json.dumps(
                    {
                        "bench": "tracking_cost",
                        "case": case,
                        **result,
                        "tiny_train_wall_s": round(train_s, 1),
                        "load_1min": load,
                    }
                )
            )


if __name__ == "__main__":
    main()
