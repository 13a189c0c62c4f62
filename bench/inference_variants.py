"""Issue 15 §2: which inference variant of a trained run is fastest against the plain `transformers` fp32
pipeline, at <= 1 point of metric and >= 97% label agreement with it?

Reference: `transformers.pipeline("text-classification")` on the run's model, fp32, batch 32, truncation at the
run's max_length: what a user writes without vertune. Every variant classifies the run's whole test split
(tokenisation and decoding inside the timing). Variants, all in this one process:

- vertune torch: the run's `Predictor` (length-sorted batches of 32, dynamic padding, precision auto:
  bf16 where the CPU has native bf16, else fp32) and the same under `torch.compile`;
- ONNX Runtime fp32: the graph traced with sdpa attention, with eager attention, and eager + ONNX Runtime's
  transformer fusions (vertune.deploy.fuse);
- ONNX Runtime dynamic int8 of the sdpa graph (vertune's export before this issue) and of the fused graph
  (`vertune export --int8` now);
- static int8 (QDQ, calibrated on 128 training texts) of the eager graph;
- the fused int8 graph run by two threads with one ONNX Runtime thread each (batches in parallel) instead of
  one session with two threads;
- with `--student RUN` (repeatable; a `vertune compress --distill` child of the run): the student in torch and
  in fused int8.

Rounds: every round times every variant once, back to back (a load change hits them all); medians over
rounds. One JSON line per variant on stdout; progress on stderr.

    .venv/bin/python bench/inference_variants.py --run runs/bbc --student runs/bbc-distilled3 --rounds 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
from sklearn.metrics import f1_score

from vertune.deploy.data import run_splits
from vertune.deploy.export import export_graph
from vertune.deploy.fuse import fuse_encoder_graph
from vertune.deploy.quantize import quantize_onnx_dynamic
from vertune.deploy.runtimes import OnnxPredictor, onnx_session
from vertune.hardware import machine_info
from vertune.models.batching import _model_keys
from vertune.models.predictor import Predictor
from vertune.run import RunDir

Classify = Callable[[list[str]], list[str]]
CALIBRATION_ROWS = 128


def labels_of(predictor: Predictor) -> Classify:
    return lambda texts: [p["label"] for p in predictor.predict(texts)]


class Graphs:
    """The ONNX files of one run's model, made once into `work`."""

    def __init__(self, run: RunDir, work: Path, calibration: list[str]):
        self.run, self.work, self.calibration = run, work, calibration
        work.mkdir(exist_ok=True)
        self.predictor = Predictor.from_run(run.path, precision="fp32", batch_size=32)
        self.sample = self.predictor.task.encode(calibration[:8], self.predictor.tokenizer, 128)

    def traced(self, attention: str) -> Path:
        path = self.work / f"{attention}.onnx"
        if not path.exists():
            fresh = Predictor.from_run(self.run.path, precision="fp32")
            export_graph(fresh, self.sample, path, attention=attention)
        return path

    def fused(self) -> Path:
        path = self.work / "fused.onnx"
        if not path.exists():
            assert self.predictor.model is not None
            counts = fuse_encoder_graph(self.traced("eager"), path, self.predictor.model.config)
            print(f"fused ops: {counts}", file=sys.stderr)
        return path

    def int8(self, source: Path) -> Path:
        path = source.with_suffix(".int8.onnx")
        if not path.exists():
            quantize_onnx_dynamic(source, path)
        return path

    def static_int8(self) -> Path:
        """QDQ int8, activations calibrated (min-max) on training texts; MatMuls only (the rest stays fp32)."""
        from onnxruntime.quantization import (
            CalibrationDataReader,
            QuantFormat,
            QuantType,
            quantize_static,
        )
        from onnxruntime.quantization.shape_inference import quant_pre_process

        path = self.work / "static.int8.onnx"
        if path.exists():
            return path
        prepared = self.work / "static.pre.onnx"
        quant_pre_process(str(self.traced("eager")), str(prepared), skip_symbolic_shape=True)
        p = self.predictor
        features = p.task.encode(self.calibration, p.tokenizer, p.max_length)
        batches = [
            {k: v.numpy() for k, v in p.collate([_model_keys(f) for f in features[i : i + 16]]).items()}
            for i in range(0, len(features), 16)
        ]

        class Reader(CalibrationDataReader):
            def __init__(self) -> None:
                self.batches = iter(batches)

            def get_next(self) -> dict[str, Any] | None:
                return next(self.batches, None)

        quantize_static(
            str(prepared),
            str(path),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
        )
        return path

    def session(self, path: Path, threads: int = 2) -> Classify:
        p = self.predictor
        onnx = OnnxPredictor(
            onnx_session(path, threads), p.tokenizer, p.task, p.labels, p.max_length, batch_size=32
        )
        return labels_of(onnx)

    def parallel(self, path: Path, workers: int = 2) -> Classify:
        """`workers` Python threads share one single-threaded session, one batch each at a time (ONNX Runtime
        releases the GIL in run())."""
        p = self.predictor
        session = onnx_session(path, 1)
        names = [i.name for i in session.get_inputs()]
        pool = ThreadPoolExecutor(workers)

        def one(features: list[dict[str, Any]]) -> np.ndarray:
            batch = p.collate([_model_keys(f) for f in features])
            return np.asarray(session.run(None, {n: batch[n].numpy() for n in names})[0])

        def classify(texts: list[str]) -> list[str]:
            features = p.task.encode(texts, p.tokenizer, p.max_length)
            order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
            chunks = [order[i : i + 32] for i in range(0, len(order), 32)]
            logits = pool.map(one, [[features[i] for i in chunk] for chunk in chunks])
            out = [""] * len(texts)
            for chunk, rows in zip(chunks, logits, strict=True):
                for i, row in zip(chunk, rows, strict=True):
                    out[i] = p.labels[int(np.argmax(row))]
            return out

        return classify


def reference(run: RunDir, max_length: int) -> Classify:
    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(run.model_dir), device=-1, dtype=torch.float32)
    return lambda texts: [
        o["label"] for o in pipe(texts, batch_size=32, truncation=True, max_length=max_length)
    ]


def variants(run: RunDir, students: list[RunDir], work: Path, calibration: list[str]) -> dict[str, Classify]:
    graphs = Graphs(run, work / "teacher", calibration)
    default = Predictor.from_run(run.path, batch_size=32)
    compiled = Predictor.from_run(run.path, batch_size=32)
    compiled.model = torch.compile(compiled.model, dynamic=True)
    found = {
        "transformers pipeline fp32 (reference)": reference(run, graphs.predictor.max_length),
        f"vertune torch ({default.precision})": labels_of(default),
        "vertune torch.compile": labels_of(compiled),
        "ONNX fp32, sdpa trace": graphs.session(graphs.traced("sdpa")),
        "ONNX fp32, eager trace": graphs.session(graphs.traced("eager")),
        "ONNX fp32, fused": graphs.session(graphs.fused()),
        "ONNX int8, sdpa trace (export before)": graphs.session(graphs.int8(graphs.traced("sdpa"))),
        "ONNX int8, fused (export now)": graphs.session(graphs.int8(graphs.fused())),
        "ONNX static int8 QDQ": graphs.session(graphs.static_int8()),
        "ONNX int8 fused, 2 threads x 1 batch": graphs.parallel(graphs.int8(graphs.fused())),
    }
    for number, student in enumerate(students):
        small = Graphs(student, work / f"student{number}", calibration)
        layers = small.predictor.model.config.num_hidden_layers if small.predictor.model else "?"
        found[f"student {layers} layers, torch"] = labels_of(Predictor.from_run(student.path, batch_size=32))
        found[f"student {layers} layers, ONNX int8 fused"] = small.session(small.int8(small.fused()))
        found[f"student {layers} layers, ONNX int8 fused, 2 threads x 1 batch"] = small.parallel(
            small.int8(small.fused())
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--student", type=Path, action="append", default=[], help="repeatable")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only", default="", help="comma-separated parts of variant names to time (the reference always)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    run = RunDir(args.run)
    splits = run_splits(run)
    texts = [str(t) for t in splits.test.inputs]
    gold = [str(t) for t in splits.test.targets]
    calibration = [str(t) for t in splits.train.inputs[:CALIBRATION_ROWS]]
    work = Path(tempfile.mkdtemp(prefix="vertune-inference-"))
    found = variants(run, [RunDir(s) for s in args.student], work, calibration)
    if args.only:
        wanted = [part.strip() for part in args.only.split(",")]
        found = {n: c for i, (n, c) in enumerate(found.items()) if i == 0 or any(w in n for w in wanted)}
    for classify in found.values():  # warm-up: first-call allocation and compilation are not timed
        classify(texts[:32])
    rates: dict[str, list[float]] = {name: [] for name in found}
    outputs: dict[str, list[str]] = {}
    for round_ in range(args.rounds):
        for name, classify in found.items():
            start = time.perf_counter()
            outputs[name] = classify(texts)
            rates[name].append(len(texts) / (time.perf_counter() - start))
            print(f"round {round_}: {name}: {rates[name][-1]:.1f} texts/s", file=sys.stderr)
    ref_name = next(iter(found))
    ref_rate = statistics.median(rates[ref_name])
    ref_f1 = f1_score(gold, outputs[ref_name], average="macro")
    common = {
        "bench": "inference_variants",
        "date": dt.date.today().isoformat(),
        "run": str(args.run),
        "texts": len(texts),
        "rounds": args.rounds,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "threads": torch.get_num_threads(),
        "machine": machine_info(),
    }
    for name in found:
        f1 = f1_score(gold, outputs[name], average="macro")
        agreement = float(np.mean([a == b for a, b in zip(outputs[name], outputs[ref_name], strict=True)]))
        print(
            json.dumps(
                {
                    **common,
                    "variant": name,
                    "texts_per_s": round(statistics.median(rates[name]), 1),
                    "per_round": [round(r, 1) for r in rates[name]],
                    "x_reference": round(statistics.median(rates[name]) / ref_rate, 2),
                    "macro_f1": round(f1, 4),
                    "delta_points": round((f1 - ref_f1) * 100, 2),
                    "label_agreement": round(agreement, 4),
                }
            )
        )


if __name__ == "__main__":
    main()
