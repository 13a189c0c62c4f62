"""`vertune compress RUN --quantize int8 | --prune F | --distill --student-layers N`: a new, smaller run.

The new run directory holds the compressed model (and runtime.json saying which runtime serves it), the
parent's recipe and labels, lineage.json with the parent, and metrics.json with the test scores of the
compressed model plus a `compression` section: parent and compressed model measured side by side in this
process, on this machine (task metric, size on disk, latency p50 / p99 at batch 1, throughput at batch 32),
and the deltas.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.deploy.data import labelled_file, run_splits
from vertune.deploy.latency import latency_ms, size_mb, throughput
from vertune.deploy.runtimes import ONNX_FILES, load_predictor, run_runtime
from vertune.errors import RunDirError, VertuneError
from vertune.hardware import machine_info, resolve_precision
from vertune.run import RunDir, read_json, write_json_atomic

Notify = Callable[[str], None]


@dataclass
class CompressResult:
    run: RunDir
    metrics: dict[str, Any]


def compress(
    run_path: str | Path,
    *,
    quantize: str | None = None,
    prune: float | None = None,
    distill: bool = False,
    student_layers: int = 3,
    epochs: float | None = None,
    runtime: str = "onnx",
    data: str | Path | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
    measure_rows: int = 100,
    notify: Notify = lambda _: None,
    quiet: bool = False,
) -> CompressResult:
    chosen = [name for name, on in (("quantize", quantize), ("prune", prune), ("distill", distill)) if on]
    if len(chosen) != 1:
        raise VertuneError("give exactly one of --quantize int8, --prune FRACTION, --distill")
    if quantize not in (None, "int8"):
        raise VertuneError(f"--quantize {quantize}: only int8 is supported")
    if runtime not in ("onnx", "torch"):
        raise VertuneError(f"--runtime {runtime}: use onnx or torch")
    parent = RunDir(run_path).require_model()
    suffix = {
        "quantize": f"int8-{runtime}",
        "prune": f"pruned{round((prune or 0) * 100)}",
        "distill": f"distilled{student_layers}",
    }[chosen[0]]
    child = _open_output(RunDir(output or parent.path.parent / f"{parent.path.name}-{suffix}"), overwrite)
    splits = run_splits(parent)
    train = labelled_file(parent, data) if data is not None else splits.train
    started = time.perf_counter()
    if quantize:
        details = _quantize(parent, child, runtime, notify, quiet)
    else:
        details = _train_smaller(
            parent, child, train, splits.labels, prune, student_layers, epochs, notify, quiet
        )
    details["seconds"] = round(time.perf_counter() - started, 1)
    for name in ("recipe.yaml", "labels.json"):
        shutil.copy2(parent.path / name, child.path / name)
    notify(f"measuring the parent and the compressed model side by side ({len(splits.test)} test rows)")
    side_by_side = {
        "parent": measure(parent, splits.test, measure_rows, quiet),
        "compressed": measure(child, splits.test, measure_rows, quiet),
    }
    metrics = _metrics(parent, child, chosen[0], details, side_by_side)
    write_json_atomic(child.metrics_path, metrics)
    write_json_atomic(child.lineage_path, _lineage(parent))
    from vertune.evaluate.report_compression import write_compression_report

    write_compression_report(child, metrics)
    return CompressResult(child, metrics)


def _open_output(run: RunDir, overwrite: bool) -> RunDir:
    if run.path.exists() and any(run.path.iterdir()):
        if not overwrite:
            raise RunDirError(
                f"{run.path}: already holds a run; pass --output DIR for a new one or --overwrite"
            )
        if not run.recipe_path.exists():
            raise RunDirError(
                f"{run.path}: is not a vertune run directory; refusing to delete it with --overwrite"
            )
        shutil.rmtree(run.path)
    return run.create()


def _quantize(parent: RunDir, child: RunDir, runtime: str, notify: Notify, quiet: bool) -> dict[str, Any]:
    """The fp32 model is kept in model/ (tokenizer, config, the torch fallback); the int8 runtime reads
    onnx/model.int8.onnx, or quantises model/ at load time for torch (deterministic, so nothing to store)."""
    child.save_model(lambda d: shutil.copytree(parent.model_dir, d, dirs_exist_ok=True))
    details: dict[str, Any] = {
        "quantization": "dynamic int8 (weights int8 per channel, activations per batch)"
    }
    if runtime == "onnx":
        from vertune.deploy.export import export_onnx

        details["export"] = export_onnx(parent.path, int8=True, target=child, notify=notify, quiet=quiet)
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
    notify: Notify,
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
        notify(f"pruned {prune:.0%} of the FFN neurons; recovery fine-tune for {epochs:g} epochs")
    else:
        student = student_from_teacher(teacher, student_layers)
        details = {"distillation": f"{student_layers} of {teacher.config.num_hidden_layers} layers kept"}
        epochs = float(recipe.training.epochs) if epochs is None else epochs
        notify(f"distilling into {student_layers} layers for {epochs:g} epochs")
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


def _metrics(
    parent: RunDir, child: RunDir, method: str, details: dict[str, Any], measured: dict[str, Any]
) -> dict[str, Any]:
    from vertune.tasks import get_task

    parent_metrics = parent.load_metrics()
    recipe = parent.load_recipe()
    task = get_task(recipe.task)
    before, after = measured["parent"], measured["compressed"]
    metric = task.default_metric
    return {
        "recipe": {
            "model": recipe.model.name,
            "task": recipe.task,
            "method": f"compress:{method}",
            "metric": metric,
            "output": str(child.path),
            "parent": str(parent.path),
        },
        "test": after["test"],
        "compression": {
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
            "machine": machine_info(),
        },
        # The training data's label and length statistics, which `serve` uses as the drift reference.
        "data": parent_metrics.get("data", {}),
    }


def _lineage(parent: RunDir) -> dict[str, Any]:
    import sys

    inherited = read_json(parent.lineage_path) if parent.lineage_path.is_file() else {}
    return {
        **inherited,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": sys.argv,
        "parent_run": str(parent.path.resolve()),
        "machine": machine_info(),
    }
