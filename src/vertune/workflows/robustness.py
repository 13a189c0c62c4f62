"""The robustness workflow (`vertune evaluate RUN --robustness`): the run's test split (or a labelled file)
under seeded perturbations -> `test.robustness` in the metrics.json it belongs to -> the report again.

Without a file, the run's own test split is reproduced (its data files must be unchanged) and the run's
metrics.json and report gain the section; with a file, the evaluation directory's do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.events import Info, Subscriber
from vertune.metrics_schema import parse_metrics
from vertune.run import RunDir
from vertune.stages.timing import stage
from vertune.tasks.base import Examples


def probe_run(
    run: RunDir, examples: Examples, target: RunDir, on_event: Subscriber, quiet: bool
) -> dict[str, Any]:
    """Probe `run`'s model on `examples`; write the result into `target`'s metrics.json and report."""
    from vertune.evaluate.robustness import probe
    from vertune.models.predictor import Predictor
    from vertune.stages.metrics import write_metrics_and_report

    with stage("robustness", on_event):
        predictor = Predictor.from_run(run.path)
        result = probe(
            predictor,
            examples,
            run.load_labels(),
            quiet=quiet,
            progress=lambda name: on_event(Info(f"robustness: {name}")),
        )
    with stage("metrics", on_event):
        content = target.load_metrics()
        content.setdefault("test", {})["robustness"] = result
        metrics = parse_metrics(content, str(target.metrics_path))
        content, _ = write_metrics_and_report(
            target, metrics, target.read_log() if target.path == run.path else None
        )
    return content


def run_robustness(run_path: str | Path, on_event: Subscriber, quiet: bool = False) -> dict[str, Any]:
    """Probe a trained run on its own test split; its metrics.json and report gain `test.robustness`."""
    from vertune.deploy.data import run_splits

    run = RunDir(run_path).require_model()
    with stage("data", on_event):
        test = run_splits(run).test
    return probe_run(run, test, run, on_event, quiet)
