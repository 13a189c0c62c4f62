"""`vertune export RUN --format onnx [--int8]`: the run's model as ONNX, verified against PyTorch.

Exporter: `torch.onnx.export(..., dynamo=False)` (the TorchScript exporter). The dynamo exporter also works
with torch 2.13 and transformers 5, but its graph ran about 2x slower in ONNX Runtime on this CPU (sdpa
attention decomposed differently), so the TorchScript one is used, tracing the eager attention. Dynamic
axes: batch and sequence. model.onnx keeps standard ONNX ops (portable); model.int8.onnx is fused with
ONNX Runtime's transformer fusions first (vertune.deploy.fuse) where the architecture allows, then
dynamically quantised.
Verification runs the run's test split (reproduced from the recipe, or `--data FILE`) through both
runtimes with the same batches and compares the raw outputs (max absolute difference) and the decoded
decisions (labels, spans; scores left out), and stores both in onnx/export.json.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vertune.deploy.data import examples_for
from vertune.deploy.fuse import fusable, fuse_encoder_graph
from vertune.deploy.quantize import quantize_onnx_dynamic
from vertune.deploy.runtimes import ONNX_FILES, OnnxPredictor, onnx_session
from vertune.events import Info, Subscriber, ignore
from vertune.models.batching import _model_keys
from vertune.models.predictor import Predictor, RunPredictor
from vertune.run import RunDir, write_json_atomic

OPSET = 17


def export_onnx(
    run_path: str | Path,
    int8: bool = False,
    data: str | Path | None = None,
    target: RunDir | None = None,
    on_event: Subscriber = ignore,
    quiet: bool = True,
) -> dict[str, Any]:
    """Write `onnx/model.onnx` (and `onnx/model.int8.onnx`) into `target` (default: the run itself), verify
    them on the test split, store and return the verification."""
    run = RunDir(run_path).require_model()
    target = target or run
    reference = Predictor.from_run(run.path, precision="fp32")
    examples = examples_for(run, "test", data)
    features = reference.task.encode(examples.inputs, reference.tokenizer, reference.max_length)
    runtimes = ["onnx", "onnx-int8"] if int8 else ["onnx"]
    on_event(
        Info(f"verifying on {len(examples)} rows ({'--data ' + str(data) if data else 'the test split'})")
    )
    # Before exporting: tracing leaves the torch module in a state whose outputs differ (seen with torch 2.13).
    expected = reference.outputs(features, quiet=quiet)
    expected_decoded = _decoded(reference, expected, features, examples.inputs)
    on_event(Info(f"exporting {run.path} to ONNX ({', '.join(runtimes)})"))
    staging = Path(tempfile.mkdtemp(dir=target.path, prefix=".onnx."))
    try:
        started = time.perf_counter()
        export_graph(reference, features, staging / ONNX_FILES["onnx"])
        fused: dict[str, int] | None = None
        if int8:
            fused = _quantize(reference, staging)
        seconds = time.perf_counter() - started
        verification = {}
        for runtime in runtimes:
            path = staging / ONNX_FILES[runtime]
            onnx = OnnxPredictor(onnx_session(path), *_parts(reference), batch_size=reference.batch_size)
            outputs = onnx.outputs(features, quiet=quiet)
            verification[runtime] = {
                "file": ONNX_FILES[runtime],
                "size_mb": round(path.stat().st_size / 2**20, 2),
                "max_abs_logit_diff": float(
                    max(np.abs(a - b).max() for a, b in zip(expected, outputs, strict=True))
                ),
                "label_agreement": _agreement(
                    expected_decoded, _decoded(onnx, outputs, features, examples.inputs)
                ),
            }
        target.onnx_dir.mkdir(exist_ok=True)
        for runtime in runtimes:
            os.replace(staging / ONNX_FILES[runtime], target.onnx_dir / ONNX_FILES[runtime])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = {
        "format": "onnx",
        "exporter": f"torch.onnx.export (TorchScript, dynamo=False), opset {OPSET}",
        "torch": torch.__version__,
        "seconds": round(seconds, 2),
        "verified_on": {"data": str(data) if data else "test split", "rows": len(examples)},
        "reference": "the PyTorch model in fp32",
        # ONNX Runtime's transformer fusions in the int8 file (op -> count); null: not fused
        "int8_fused_ops": fused,
        "runtimes": verification,
    }
    write_json_atomic(target.onnx_dir / "export.json", result)
    return result


def _quantize(reference: Predictor, staging: Path) -> dict[str, int] | None:
    """model.int8.onnx from model.onnx: fused first where the architecture allows (int8 attention in one op:
    bench/inference_variants.py measured it faster), else quantised as exported. The fused op counts."""
    source, target = staging / ONNX_FILES["onnx"], staging / ONNX_FILES["onnx-int8"]
    config = reference.model.config if reference.model is not None else None
    if not fusable(config):
        quantize_onnx_dynamic(source, target)
        return None
    fused_path = staging / "fused.onnx"
    counts = fuse_encoder_graph(source, fused_path, config)
    quantize_onnx_dynamic(fused_path, target)
    fused_path.unlink()
    return counts


def _parts(predictor: Predictor) -> tuple[Any, Any, list[str], int]:
    return predictor.tokenizer, predictor.task, predictor.labels, predictor.max_length


def export_graph(
    predictor: Predictor, features: list[dict[str, Any]], path: Path, attention: str | None = "eager"
) -> None:
    """Trace with a two-row batch; every input and the output get dynamic batch / sequence axes."""
    assert predictor.model is not None
    sample = _padded_sample(predictor, features)
    names = list(sample)
    if attention is not None:
        _set_attention(predictor.model, attention)
    model = _LogitsOnly(predictor.model.float().eval(), names)
    with torch.no_grad():
        logits = model(*sample.values())
    axes: dict[str, dict[int, str]] = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch", 1: "sequence"} if logits.dim() == 3 else {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(sample.values()),
            str(path),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _set_attention(model: torch.nn.Module, attention: str) -> None:
    """Trace the eager attention by default (the same outputs as sdpa): its graph is what ONNX Runtime's
    fusions match, and unfused it also ran faster in ONNX Runtime here (bench/inference_variants.py)."""
    set_attention = getattr(model, "set_attn_implementation", None)
    if set_attention is None:
        return
    # an architecture without that attention path keeps its own
    with contextlib.suppress(ValueError, ImportError):
        set_attention(attention)


def _padded_sample(predictor: Predictor, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    """Two rows of different lengths: the trace must see padding, or transformers' "no padding, no mask"
    shortcut is baked into the graph and padded batches come out wrong."""
    by_length = sorted(features, key=lambda f: len(f["input_ids"]))
    short, long = _model_keys(by_length[0]), _model_keys(by_length[-1])
    if len(short["input_ids"]) == len(long["input_ids"]):
        keep = max(2, len(short["input_ids"]) // 2)
        short = {k: v[:keep] for k, v in short.items()}
    return predictor.collate([short, long])


class _LogitsOnly(torch.nn.Module):
    """Positional inputs in the collator's key order, the logits tensor out (what ONNX needs)."""

    def __init__(self, model: torch.nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.names, inputs, strict=True))).logits


def _decoded(
    predictor: RunPredictor, outputs: list[np.ndarray], features: list[dict[str, Any]], inputs: list[Any]
) -> list[Any]:
    merged = predictor.task.merge(outputs, features, len(inputs))
    return [_decision(d) for d in predictor.task.decode(merged, inputs, predictor.labels)]


def _decision(value: Any) -> Any:
    """What a prediction decides (labels, spans), without its scores."""
    if isinstance(value, dict):
        return {k: _decision(v) for k, v in value.items() if k != "scores" and not isinstance(v, float)}
    if isinstance(value, list):
        return [_decision(v) for v in value]
    return value


def _agreement(expected: list[Any], actual: list[Any]) -> float | None:
    """Share of inputs whose decisions are identical; None for tasks that decide nothing discrete."""
    if not any(expected):
        return None
    return float(np.mean([a == b for a, b in zip(expected, actual, strict=True)]))
