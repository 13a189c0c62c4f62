"""The evaluate workflow: a trained run's task and model, one labelled file -> scores -> metrics and
report in RUN/evaluations/<file name>/ (or `output`)."""

from __future__ import annotations

from pathlib import Path

from vertune.data.readers import read_table
from vertune.events import FinalMetrics, Subscriber
from vertune.results import EvaluateResult
from vertune.run import RunDir
from vertune.stages.data import report_data_problems
from vertune.stages.metrics import build_metrics, recipe_section, write_metrics_and_report
from vertune.stages.timing import stage


def run_evaluate(
    run_path: str | Path,
    data: str | Path,
    on_event: Subscriber,
    text_column: str | None = None,
    label_column: str | None = None,
    output: str | Path | None = None,
    quiet: bool = False,
    robustness: bool = False,
) -> EvaluateResult:
    """Score a trained run on any labelled file (in the run's columns unless given); with `robustness`, also
    under seeded perturbations (workflows/robustness.py)."""
    run = RunDir(run_path).require_model()
    recipe = run.load_recipe()
    columns = {"text_column": text_column, "label_column": label_column}
    data_config = recipe.data.model_copy(update={k: v for k, v in columns.items() if v})

    with stage("data", on_event):
        table = read_table(data)
        task = run.load_task(data_config)
        report = task.validate({"test": table}, data_config, None, None, labels=run.load_labels())
        report_data_problems(report, on_event)
        report.raise_errors()
        examples = task.examples(table, data_config)

    from vertune.stages.score import score_saved_model

    with stage("score", on_event):
        if recipe.task == "generation":  # scored on the answers it generates
            from vertune.stages.generation import score_run

            scores = {"test": score_run(run, recipe, examples, run.load_labels(), on_event)}
        else:
            scores = score_saved_model(
                run, {"test": examples}, run.load_labels(), task=task, quiet=quiet
            ).scores

    with stage("metrics", on_event):
        target = RunDir(output or run.path / "evaluations" / Path(data).stem).create()
        metrics = build_metrics(
            recipe_section(recipe, task, model=str(run.path), data=str(data)),
            scores["test"],
            data={"test": {"rows": len(examples)}, "warnings": [str(p) for p in report.warnings]},
        )
        content, files = write_metrics_and_report(target, metrics)
    if robustness:
        from vertune.workflows.robustness import probe_run

        content = probe_run(run, examples, target, on_event, quiet)
    on_event(FinalMetrics("fine-tuned", "test", scores["test"]))
    return EvaluateResult(target, content, files)
