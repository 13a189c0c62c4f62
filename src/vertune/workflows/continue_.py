"""The continue workflow: parent run + new data -> a child run that starts from the parent's weights (head
grown for new labels), trains on the new rows mixed with a replayed share of every ancestor's rows under the
recipe's `continual.strategy`, and is scored on every ancestor's test split plus the new one (retention,
forgetting, the lineage's accuracy matrix). The train workflow's stages, in the same order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from vertune.continual.lineage import Ancestor, ancestor_splits, ancestors
from vertune.continual.replay import replay_splits
from vertune.data.prepare import Splits
from vertune.errors import DataError, RecipeError
from vertune.events import FinalMetrics, Info, Subscriber, Warning
from vertune.recipe import Recipe, apply_override, recipe_from_dict
from vertune.results import ContinueResult
from vertune.run import RunDir, write_json_atomic
from vertune.stages.data import data_section, encode_splits, prepare_data, resolve_task
from vertune.stages.rundir import open_derived_run, write_run_files
from vertune.stages.timing import stage
from vertune.tasks.base import Examples, Task


def child_recipe(
    parent: RunDir,
    data: str | Path,
    test: str | Path | None,
    validation: str | Path | None,
    output: str | Path | None,
    overrides: Sequence[str],
    no_replay: bool,
) -> Recipe:
    """The parent's recipe with the new files, `--set` overrides and what continuing implies: the parent's
    tokenizer (its vocabulary extension included), its head kept, the model saved merged."""
    raw = yaml.safe_load(parent.recipe_path.read_text(encoding="utf-8"))
    raw["data"] = {
        **raw["data"],
        "train": str(Path(data).resolve()),
        "test": str(Path(test).resolve()) if test is not None else None,
        "validation": str(Path(validation).resolve()) if validation is not None else None,
    }
    raw.pop("output", None)
    for override in overrides:
        apply_override(raw, override)
    recipe = recipe_from_dict(raw, "continue")
    if no_replay:
        parts = [p for p in recipe.continual.strategy.split("+") if p != "replay"]
        recipe.continual.strategy = "+".join(parts) or "none"
    recipe.model.extend_vocab = None  # the parent's extension lives in its tokenizer
    recipe.method.merge = True  # a child's adapter would sit on a base that exists nowhere on disk
    recipe.training.head_init = "random"  # "random" here means: the parent's head, kept
    recipe.output = (
        Path(output) if output is not None else parent.path.parent / f"{parent.path.name}-{Path(data).stem}"
    )
    return recipe


def earlier_data(
    chain: list[Ancestor], recipe: Recipe, on_event: Subscriber
) -> list[tuple[Ancestor, Splits | None]]:
    """Each ancestor's own splits, read back from its files. A changed or missing file stops the run when
    replay needs it; otherwise that ancestor's test set is left out of the retention table, with a warning."""
    found: list[tuple[Ancestor, Splits | None]] = []
    for ancestor in chain:
        try:
            found.append((ancestor, ancestor_splits(ancestor)))
        except DataError as exc:
            if recipe.continual.uses("replay"):
                raise DataError(
                    [
                        replace(p, fix=f"{p.fix}; or pass --no-replay to continue without replay")
                        for p in exc.problems
                    ]
                ) from None
            for problem in exc.problems:
                on_event(Warning(f"{problem}; its test set is left out of the retention table"))
            found.append((ancestor, None))
    return found


def run_continue(
    parent_path: str | Path,
    data: str | Path,
    on_event: Subscriber,
    *,
    test: str | Path | None = None,
    validation: str | Path | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    no_replay: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
) -> ContinueResult:
    """Continue training `parent_path` on new data into a new run, measured on the whole lineage's test sets."""
    from transformers import AutoTokenizer

    from vertune.continual.head import grown_labels

    parent = RunDir(parent_path).require_model()
    recipe = child_recipe(parent, data, test, validation, output, overrides, no_replay)
    config = recipe.continual

    with stage("data", on_event):
        task = resolve_task(recipe)
        tokenizer = AutoTokenizer.from_pretrained(str(parent.model_dir))
        splits = prepare_data(recipe, task, tokenizer, on_event)
        task.load_state(parent.load_task_state())  # the parent's target scaling: its outputs are in it
        parent_labels = parent.load_labels()
        labels = grown_labels(parent_labels, splits.labels)
        earlier = earlier_data(ancestors(parent), recipe, on_event)
        new_rows, new_validation = len(splits.train), len(splits.validation)
        splits = replay_splits(splits, [s for _, s in earlier], task, config, recipe.training.seed, labels)
        on_event(
            Info(
                f"continue from {parent.path}: {len(earlier)} ancestor(s), strategy {config.strategy}, "
                f"{new_rows} new + {len(splits.train) - new_rows} replayed training rows, "
                f"{new_validation} new + {len(splits.validation) - new_validation} replayed validation rows, "
                f"{len(labels) - len(parent_labels)} new labels"
            )
        )

    with stage("open run", on_event):
        assert recipe.output is not None
        run = open_derived_run(parent, recipe.output, overwrite)
        write_run_files(run, recipe, task, labels)
        replayed = {
            "replayed_rows": len(splits.train) - new_rows,
            "replayed_validation_rows": len(splits.validation) - new_validation,
        }
        write_lineage(run, recipe, parent, earlier, replayed)

    from vertune.continual.start import ContinualStart
    from vertune.hardware import resolve_precision
    from vertune.stages.fit import fit_model, save_model
    from vertune.stages.metrics import build_metrics, recipe_section, write_metrics_and_report
    from vertune.stages.tracking import final_scalars
    from vertune.train.fit import log_final_metrics
    from vertune.workflows.train import score_stages

    precision = resolve_precision(recipe.training.precision)
    start = ContinualStart(parent, parent_labels, config, on_event)
    if config.uses("ewc"):
        with stage("fisher", on_event):
            start.fisher = fisher_of(parent, earlier, config, recipe.training.seed, on_event, quiet)

    with stage("fit", on_event):
        features = encode_splits(task, splits, tokenizer, recipe.training.max_length)
        fitted = fit_model(
            recipe, run, task, splits, features, tokenizer, precision, on_event, quiet=quiet, start=start
        )

    with stage("save", on_event):
        save_model(run, fitted, tokenizer, recipe)

    scores, baselines, comparisons = score_stages(
        run, recipe, task, splits, features, tokenizer, precision, on_event, quiet
    )

    with stage("retention", on_event):
        retention, continual = measure_retention(
            run,
            parent,
            task,
            earlier,
            recipe,
            scores["test"],
            splits,
            new_validation,
            start,
            precision,
            quiet,
        )
        if continual["forgetting"] is not None:
            on_event(
                Info(
                    f"retention: forgetting {100 * continual['forgetting']:.2f} points of {continual['metric']} "
                    f"at most on {len(retention) - 1} earlier test set(s)"
                )
            )

    with stage("metrics", on_event):
        metrics = build_metrics(
            recipe_section(
                recipe, task, method=fitted.stats["method"], output=str(run.path), parent=str(parent.path)
            ),
            scores["test"],
            validation=scores["validation"],
            baselines=baselines,
            train=fitted.stats,
            data=data_section(task, splits),
            comparisons=comparisons,
            retention=retention,
            continual=continual,
        )
        final = final_scalars(scores["test"], baselines)
        if continual["forgetting"] is not None:
            final["continual/forgetting"] = float(continual["forgetting"])
        log_final_metrics(fitted, final)  # log.jsonl and training.report_to's tracker, as in train
        content, report = write_metrics_and_report(run, metrics, run.read_log())
    with stage("track", on_event):
        from vertune.tracking import track_run

        track_run(run, "continue", on_event)  # MLflow, the parent run linked through lineage.json
    on_event(FinalMetrics("continued", "test", scores["test"]))
    for name, baseline in baselines.items():
        on_event(FinalMetrics(name, "test", baseline))
    return ContinueResult(run, content, report)


def write_lineage(
    run: RunDir,
    recipe: Recipe,
    parent: RunDir,
    earlier: list[tuple[Ancestor, Splits | None]],
    replayed: dict[str, int],
) -> None:
    """lineage.json: the child's own data, its parent, and every ancestor (run and data files with sha256)."""
    from vertune.train.lineage import build_lineage

    lineage: dict[str, Any] = build_lineage(recipe, parent=str(parent.path.resolve()))
    lineage["ancestors"] = [
        {
            "run": str(a.run.path.resolve()),
            "data": a.run.load_lineage().get("data", {}),
            "test_set": a.test_set,
        }
        for a, _ in earlier
    ]
    lineage["continual"] = {"strategy": recipe.continual.strategy, **replayed}
    write_json_atomic(run.lineage_path, lineage)


def fisher_of(
    parent: RunDir,
    earlier: list[tuple[Ancestor, Splits | None]],
    config: Any,
    seed: int,
    on_event: Subscriber,
    quiet: bool,
) -> Any:
    """EWC's Fisher: the one stored in the parent run, or computed on the parent's own training rows."""
    from vertune.continual.fisher import fisher_path, parent_fisher

    own = earlier[-1][1] if earlier else None
    if own is None and not fisher_path(parent).is_file():
        raise RecipeError(
            f"continual.strategy ewc needs the parent's training data ({parent.path}'s files changed or are "
            "gone) or its stored Fisher; use l2sp instead"
        )
    train = own.train if own is not None else Examples(None, [], [])
    fisher, reused = parent_fisher(parent, train, config.fisher_rows, seed, quiet)
    on_event(Info(f"ewc: the parent's Fisher information {'reused' if reused else 'computed and stored'}"))
    return fisher


def measure_retention(
    run: RunDir,
    parent: RunDir,
    task: Task,
    earlier: list[tuple[Ancestor, Splits | None]],
    recipe: Recipe,
    new_scores: dict[str, Any],
    splits: Splits,
    new_validation: int,
    start: Any,
    precision: str,
    quiet: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parent and child on every test set of the lineage: the retention table and the `continual` section
    (with the child's validation score on its new rows and on the replayed ones apart)."""
    from vertune.continual import retention as measure
    from vertune.continual.lineage import test_set_name
    from vertune.stages.score import score_saved_model

    metric = task.default_metric
    new_name = test_set_name(run)
    sets = {a.test_set: s.test for a, s in earlier if s is not None}
    sets.pop(new_name, None)
    batch = recipe.training.eval_batch_size
    labels, parent_labels = run.load_labels(), parent.load_labels()
    parts = validation_parts(splits.validation, new_validation)
    child_scores = score_saved_model(
        run,
        sets | {VALIDATION_PART + k: x for k, x in parts.items()},
        labels,
        precision=precision,
        batch_size=batch,
        quiet=quiet,
    ).scores
    validation = {
        "metric": metric,
        **{k: measure.set_score(child_scores.pop(VALIDATION_PART + k), metric) for k in parts},
        "rows": {k: len(x) for k, x in parts.items()},
    }
    child = {name: measure.set_score(s, metric) for name, s in child_scores.items()} | {
        new_name: measure.set_score(new_scores, metric)
    }
    every = {**sets, new_name: splits.test}
    predictable = {name: x for name, x in every.items() if set(task.labels(x)) <= set(parent_labels)}
    parent_scores = (
        score_saved_model(
            parent, predictable, parent_labels, precision=precision, batch_size=batch, quiet=quiet
        ).scores
        if predictable
        else {}
    )
    parent_values: dict[str, float | None] = {name: None for name in every}
    parent_values |= {name: measure.set_score(s, metric) for name, s in parent_scores.items()}
    table = measure.retention_table(parent_values, child)
    earlier_rows = (parent.load_metrics().get("continual") or {}).get("matrix", [])
    parent_own = earlier[-1][0].test_set if earlier else None
    rows = measure.matrix_rows(
        earlier_rows,
        (str(parent.path.resolve()), parent_own or "", parent_values),
        (str(run.path.resolve()), new_name, child),
    )
    for row in rows:  # older rows get a null for test sets that did not exist in their day
        row["scores"] = {name: row["scores"].get(name) for name in every}
    continual = {
        "strategy": recipe.continual.strategy,
        "metric": metric,
        "new_test_set": new_name,
        "test_sets": list(every),
        "forgetting": measure.forgetting(metric, table, new_name),
        "backward_transfer": measure.backward_transfer(metric, rows),
        "matrix": rows,
        "ancestors": [str(a.run.path.resolve()) for a, _ in earlier],
        "replayed_rows": run.load_lineage().get("continual", {}).get("replayed_rows", 0),
        "validation": validation,
        "penalties": start.summary(),
    }
    return table, continual


#: the prefix of the validation parts' keys among the test sets scored in measure_retention (test set keys
#: are file paths)
VALIDATION_PART = "\0validation:"


def validation_parts(validation: Examples, new_rows: int) -> dict[str, Examples]:
    """The validation split's own rows ("new", first) and the replayed ancestors' ("earlier", when any)."""
    parts = {
        "new": validation.select(list(range(new_rows))),
        "earlier": validation.select(list(range(new_rows, len(validation)))),
    }
    return {name: part for name, part in parts.items() if len(part)}
