"""The compress workflow: parent run -> its data -> a derived run -> the compressed model -> parent and
child measured side by side -> metrics and report (a collapse of the metric is a loud warning)."""

from __future__ import annotations

from pathlib import Path

from vertune.deploy.data import labelled_file, run_splits
from vertune.evaluate.report_compression import write_compression_report
from vertune.events import FinalMetrics, Subscriber, Warning
from vertune.results import CompressResult
from vertune.run import RunDir
from vertune.stages.metrics import build_metrics, recipe_section, write_metrics
from vertune.stages.rundir import open_derived_run
from vertune.stages.timing import stage
from vertune.tracking import track_run


def run_compress(
    run_path: str | Path,
    on_event: Subscriber,
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
    quiet: bool = False,
) -> CompressResult:
    """Quantise, prune or distil a run into a new run directory, measured next to its parent."""
    from vertune.deploy import compress as mechanics

    method = mechanics.choose_method(quantize, prune, distill, runtime)
    parent = RunDir(run_path).require_model()
    target = output or mechanics.default_output(parent, method, runtime, prune, student_layers)

    with stage("data", on_event):
        splits = run_splits(parent)
        train = labelled_file(parent, data) if data is not None else splits.train

    with stage("open run", on_event):
        child = open_derived_run(parent, target, overwrite)

    with stage("compress", on_event, method):
        details = mechanics.compress_model(
            method,
            parent,
            child,
            train,
            splits.labels,
            runtime,
            prune,
            student_layers,
            epochs,
            on_event,
            quiet,
        )

    with stage("score", on_event):
        measured = mechanics.side_by_side(parent, child, splits.test, measure_rows, on_event, quiet)
        task = child.load_task()
        metric = task.default_metric
        collapsed = mechanics.collapse(
            metric, measured["parent"]["test"][metric], measured["compressed"]["test"][metric]
        )
        if collapsed:
            on_event(Warning(collapsed))

    with stage("metrics", on_event):
        metrics = build_metrics(
            recipe_section(
                parent.load_recipe(),
                task,
                method=f"compress:{method}",
                output=str(child.path),
                parent=str(parent.path),
            ),
            measured["compressed"]["test"],
            compression=mechanics.compression_section(method, details, measured, metric, collapsed),
            # The training data's label and length statistics: serve's drift reference.
            data=parent.load_metrics().get("data", {}),
        )
        content = write_metrics(child, metrics)
        write_compression_report(child, metrics)
    with stage("track", on_event):
        track_run(child, "compress", on_event)
    on_event(FinalMetrics("parent", "test", measured["parent"]["test"]))
    on_event(FinalMetrics("compressed", "test", measured["compressed"]["test"]))
    return CompressResult(child, content)
