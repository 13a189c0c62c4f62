"""Which deployment variant of a fine-tuned run is fastest at (almost) the same test metric?

Variants, all measured in this one process, one after another, on the run's test split:
fp32 eager (torch, fp32, vertune's length-sorted dynamic-padding Predictor), bf16 (the same with bf16
autocast: vertune's default on AMX CPUs), torch int8 (torch.ao dynamic quantisation), ONNX (ONNX Runtime
fp32), ONNX int8 (ORT dynamic quantisation, per channel), pruned (30% FFN neurons + 1 recovery epoch, bf16),
distilled (3 of 6 layers, bf16) and distilled ONNX int8. Per variant: test macro-F1, size of the weight
file, latency p50 / p99 of single-text requests (batch 1, tokenisation and decoding included) and
throughput at batch 32 (median over rounds of one pass over the test split). The machine is shared, so the
variants are measured round-robin: every round measures each variant once, back to back, and a load change
hits all of them alike; medians over the rounds. One JSON line on stdout.

Prepare the runs first (the trained demo run, then compress / export; about 10 minutes on 2 cores):

    make demo
    vertune compress runs/drug-reviews-minilm --distill --student-layers 3 --epochs 3
    vertune compress runs/drug-reviews-minilm --prune 0.3 --epochs 1
    vertune export runs/drug-reviews-minilm --int8
    vertune export runs/drug-reviews-minilm-distilled3 --int8
    .venv/bin/python bench/deploy_variants.py --run runs/drug-reviews-minilm
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import psutil
import torch

from vertune.deploy.compress import weight_files
from vertune.deploy.data import run_splits
from vertune.deploy.latency import latency_samples, size_mb, throughput
from vertune.deploy.runtimes import load_predictor
from vertune.hardware import machine_info
from vertune.run import RunDir


def variants(run: Path) -> list[tuple[str, Path, str, str]]:
    """(name, run, runtime, precision)."""
    pruned, distilled = Path(f"{run}-pruned30"), Path(f"{run}-distilled3")
    return [
        ("fp32 eager", run, "torch", "fp32"),
        ("bf16", run, "torch", "bf16"),
        ("torch int8", run, "torch-int8", "fp32"),
        ("ONNX", run, "onnx", "fp32"),
        ("ONNX int8", run, "onnx-int8", "fp32"),
        ("pruned 30% FFN (bf16)", pruned, "torch", "bf16"),
        ("distilled 3 layers (bf16)", distilled, "torch", "bf16"),
        ("distilled 3 layers ONNX int8", distilled, "onnx-int8", "fp32"),
    ]


def weights(run: Path, runtime: str) -> float:
    r = RunDir(run)
    if runtime.startswith("onnx"):
        return size_mb(r.onnx_dir / ("model.int8.onnx" if runtime == "onnx-int8" else "model.onnx"))
    return size_mb(*weight_files(r))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, default=Path("runs/drug-reviews-minilm"))
    parser.add_argument("--latency-rows", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3, help="rounds")
    args = parser.parse_args()
    test = run_splits(RunDir(args.run)).test
    busy = psutil.cpu_percent(interval=1.0)
    loaded = []
    rows = []
    for name, run, runtime, precision in variants(args.run):
        print(f"loading and scoring {name}", file=sys.stderr)
        predictor = load_predictor(run, runtime, precision=precision)
        scores = predictor.task.scores(predictor.predictions(test.inputs), test.targets, predictor.labels)
        loaded.append(predictor)
        rows.append(
            {
                "variant": name,
                "run": str(run),
                "runtime": runtime,
                "precision": predictor.precision,
                "macro_f1": round(scores["macro_f1"], 4),
                "accuracy": round(scores["accuracy"], 4),
                "size_mb": weights(run, runtime),
            }
        )
    per_round = max(1, args.latency_rows // args.repeats)
    latencies: list[list[float]] = [[] for _ in rows]
    rates: list[list[float]] = [[] for _ in rows]
    for round_ in range(args.repeats):
        print(f"round {round_ + 1} of {args.repeats}", file=sys.stderr)
        sample = test.inputs[round_ * per_round : (round_ + 1) * per_round]
        for i, predictor in enumerate(loaded):
            latencies[i] += latency_samples(predictor, sample)
            rates[i].append(throughput(predictor, test.inputs, 32))
    for row, times, rate in zip(rows, latencies, rates, strict=True):
        row |= {
            "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p99_ms": round(float(np.percentile(times, 99)), 2),
            "throughput_bs32": round(float(np.median(rate)), 2),
            "throughput_rounds": rate,
        }
    base = rows[0]
    for row in rows:
        row["speedup_vs_fp32"] = round(row["throughput_bs32"] / base["throughput_bs32"], 2)
        row["macro_f1_delta_points"] = round((row["macro_f1"] - base["macro_f1"]) * 100, 2)
    print(
        json.dumps(
            {
                "bench": "deploy_variants",
                "date": dt.date.today().isoformat(),
                "run": str(args.run),
                "test_rows": len(test),
                "cpu_busy_percent_before": busy,
                "torch_threads": torch.get_num_threads(),
                "machine": machine_info(),
                "variants": rows,
                "seconds": round(time.process_time(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
