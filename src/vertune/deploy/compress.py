"""`vertune compress RUN --quantize int8 | --prune F | --distill --student-layers N`: the compression
mechanics (the workflow, vertune.workflows.compress, calls them between the shared stages).

The new run directory holds the compressed model (and runtime.json saying which runtime serves it), what
the parent's model came with (recipe, labels, task.json: RunDir.inherit), lineage.json with the parent, and
metrics.json with the test scores of the
compressed model plus a `compression` section: parent and compressed model measured side by side in this
process, on this machine (task metric, size on disk, latency p50 / p99 at batch 1, throughput at batch 32),
and the deltas.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from vertune.deploy.latency import latency_ms, size_mb, throughput
from vertune.deploy.runtimes import ONNX_FILES, load_predictor, run_runtime
from vertune.errors import VertuneError
from vertune.events import Info, Subscriber
from vertune.hardware import machine_info, resolve_precision
from vertune.run import RunDir, write_json_atomic

#: A compressed model "collapsed" when its metric is worse than the parent's by more than this share of
#: the parent's value, or, for a higher-is-better score on a 0-1 scale, by more than this many points.
COLLAPSE_RELATIVE = 0.20
COLLAPSE_POINTS = 0.05


def choose_method(quantize: str | None, prune: float | None, distill: bool, runtime: str) -> str:
    """The one compression asked for: quantize, prune or distill (the options checked)."""
    chosen = [name for name, on in (("quantize", quantize), ("prune", prune), ("distill", distill)) if on]
    if len(chosen) != 1:
        raise VertuneError("give exactly one of --quantize int8, --prune FRACTION, --distill")
    if quantize not in (None, "int8"):
        raise VertuneError(f"--quantize {quantize}: only int8 is supported")
    if runtime not in ("onnx", "torch"):
        raise VertuneError(f"--runtime {runtime}: use onnx or torch")
    return chosen[0]


def default_output(
    parent: RunDir, method: str, runtime: str, prune: float | None, student_layers: int
) -> Path:
    """RUN-int8-onnx, RUN-pruned30, RUN-distilled3 beside the parent."""
    suffix = {
        "quantize": f"int8-{runtime}",
        "prune": f"pruned{round((prune or 0) * 100)}",
        "distill": f"distilled{student_layers}",
    }[method]
    return parent.path.parent / f"{parent.path.name}-{suffix}"


def compress_model(
    method: str,
    parent: RunDir,
    child: RunDir,
    train: Any,
    labels: list[str],
    runtime: str,
    prune: float | None,
    student_layers: int,
    epochs: float | None,
    on_event: Subscriber,
    quiet: bool,
) -> dict[str, Any]:
    """Write the compressed model into `child`; what was done, for metrics.json's `compression`."""
    started = time.perf_counter()
    if method == "quantize":
        details = _quantize(parent, child, runtime, on_event, quiet)
    else:
        details = _train_smaller(parent, child, train, labels, prune, student_layers, epochs, on_event, quiet)
    details["seconds"] = round(time.perf_counter() - started, 1)
    return details


def _quantize(
    parent: RunDir, child: RunDir, runtime: str, on_event: Subscriber, quiet: bool
) -> dict[str, Any]:
    """The fp32 model is kept in model/ (tokenizer, config, the torch fallback); the int8 runtime reads
    onnx/model.int8.onnx, or quantises model/ at load time for torch (deterministic, so nothing to store)."""

    def copy(directory: Path) -> None:
        shutil.copytree(parent.model_dir, directory, dirs_exist_ok=True)

    child.save_model(copy)
    details: dict[str, Any] = {
        "quantization": "dynamic int8 (weights int8 per channel, activations per batch)"
    }
    if runtime == "onnx":
        from vertune.deploy.export import export_onnx

        details["export"] = export_onnx(parent.path, int8=True, target=child, on_event=on_event, quiet=quiet)
        (child.onnx_dir / ONNX_FILES["onnx"]).unlink()  # verified above; the int8 file is what serves
    else:
        details["quantization"] = (
            "torch.ao dynamic int8 of every nn.Linear (per tensor), applied at load time"
        )
    write_json_atomic(child.runtime_path, {"runtime": f"{runtime}-int8"})
    return details


def _train_smaller(
    parent: RunDir,
    child: RunDir,
    train: Any,
    labels: list[str],
    prune: float | None,
    student_layers: int,
    epochs: float | None,
    on_event: Subscriber,
    quiet: bool,
) -> dict[str, Any]:
    from vertune.deploy.distill import student_from_teacher, train_student
    from vertune.deploy.prune import prune_ffn
    from vertune.models.predictor import Predictor

    recipe = parent.load_recipe()
    tokenizer, task, _, _ = Predictor.run_parts(parent)
    teacher = task.load_trained(str(parent.model_dir))
    if prune is not None:
        student = task.load_trained(str(parent.model_dir))
        details: dict[str, Any] = {"pruning": "FFN neurons by weight magnitude", **prune_ffn(student, prune)}
        epochs = 1.0 if epochs is None else epochs
        on_event(Info(f"pruned {prune:.0%} of the FFN neurons; recovery fine-tune for {epochs:g} epochs"))
    else:
        student = student_from_teacher(teacher, student_layers)
        details = {"distillation": f"{student_layers} of {teacher.config.num_hidden_layers} layers kept"}
        epochs = float(recipe.training.epochs) if epochs is None else epochs
        on_event(Info(f"distilling into {student_layers} layers for {epochs:g} epochs"))
    precision = resolve_precision(recipe.training.precision)
    details["training"] = train_student(
        student, teacher, task, tokenizer, train, labels, recipe, epochs, precision, quiet=quiet
    )

    def save(directory: Path) -> None:
        student.save_pretrained(directory)
        tokenizer.save_pretrained(directory)

    child.save_model(save)
    return details


def weight_files(run: RunDir) -> list[Path]:
    """The files the run's runtime loads its weights from."""
    runtime = run_runtime(run.path)
    if runtime.startswith("onnx"):
        return [run.onnx_dir / ONNX_FILES[runtime]]
    return sorted(run.model_dir.glob("*.safetensors"))


def measure(run: RunDir, test: Any, measure_rows: int, quiet: bool = True) -> dict[str, Any]:
    """One run on its own runtime: test scores, size, latency at batch 1, throughput at batch 32."""
    predictor = load_predictor(run.path)
    task = predictor.task
    scores = task.scores(predictor.predictions(test.inputs, quiet=quiet), test.targets, predictor.labels)
    return {
        "runtime": run_runtime(run.path),
        "precision": predictor.precision,
        "test": scores,
        "size_mb": size_mb(*weight_files(run)),
        **latency_ms(predictor, test.inputs[:measure_rows]),
        "throughput_bs32": throughput(predictor, test.inputs, batch_size=32),
    }


def side_by_side(
    parent: RunDir, child: RunDir, test: Any, measure_rows: int, on_event: Subscriber, quiet: bool
) -> dict[str, Any]:
    """Parent and compressed model measured in this process, one after the other, on the test split."""
    on_event(Info(f"measuring the parent and the compressed model side by side ({len(test)} test rows)"))
    return {
        "parent": measure(parent, test, measure_rows, quiet),
        "compressed": measure(child, test, measure_rows, quiet),
    }


def collapse(metric: str, parent: float, compressed: float) -> str | None:
    """A sentence saying the compressed model's `metric` collapsed against the parent's, or None.

    Collapsed: worse than the parent by more than COLLAPSE_RELATIVE (20%) of the parent's value, or, for
    a higher-is-better score (F1, accuracy, ...), by more than COLLAPSE_POINTS (0.05, five points)."""
    from vertune.evaluate.direction import lower_is_better

    lower = lower_is_better(metric)
    loss = compressed - parent if lower else parent - compressed
    relative = loss / abs(parent) if parent else (float("inf") if loss > 0 else 0.0)
    if relative > COLLAPSE_RELATIVE or (not lower and loss > COLLAPSE_POINTS):
        return (
            f"the compressed model's test {metric} collapsed: {compressed:.4f} against the parent's "
            f"{parent:.4f}; check the compressed run before using it"
        )
    return None


def compression_section(
    method: str, details: dict[str, Any], measured: dict[str, Any], metric: str, warning: str | None
) -> dict[str, Any]:
    """metrics.json's `compression`: what was done, parent and child side by side, the deltas."""
    before, after = measured["parent"], measured["compressed"]
    return {
        "method": method,
        **details,
        "parent": before,
        "compressed": after,
        "delta": {
            metric: round(after["test"][metric] - before["test"][metric], 4),
            "size_ratio": round(after["size_mb"] / before["size_mb"], 3),
            "p50_speedup": round(before["p50_ms"] / after["p50_ms"], 2),
            "throughput_speedup": round(after["throughput_bs32"] / before["throughput_bs32"], 2),
        },
        "warnings": [warning] if warning else [],
        "machine": machine_info(),
    }
