"""`vertune compare`: the recipe once per method and training seed, on the same splits, then a table,
two plots and a recommendation.

Each trial is a normal `vertune train` run in a process of its own (so its peak RSS is its own), written
to `<compare dir>/runs/<method>-seed<k>/`. A finished trial (metrics.json present) is reused, an
interrupted one resumes from its last checkpoint, so running the same command again resumes the whole
comparison. The data split seed is fixed (`data.split_seed`) while `training.seed` varies, so every
method sees the very same train / validation / test rows.
"""

from __future__ import annotations

import math
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.errors import RecipeError, VertuneError
from vertune.events import Info, Subscriber, Warning, log_event
from vertune.methods import METHOD_NAMES
from vertune.recipe import load_recipe
from vertune.run import RunDir, read_json, write_json_atomic
from vertune.tasks import task_info
from vertune.tracking import close_group, open_group

#: `--methods full+l2sp`: L2-SP on top of a method, with this lambda unless the recipe sets method.l2sp.
DEFAULT_L2SP = 0.01
#: What a trial's row keeps from its metrics.json "train" section.
TRAIN_STATS = ("trainable_params", "total_params", "training_seconds", "seconds", "samples_per_second")


@dataclass
class Variant:
    """One entry of --methods: a method name, optionally with L2-SP stacked on it."""

    label: str
    name: str
    l2sp: float

    def overrides(self) -> list[str]:
        return [f"method.name={self.name}", f"method.l2sp={self.l2sp}"]


def parse_methods(spec: Sequence[str], recipe_l2sp: float) -> list[Variant]:
    variants = []
    for label in spec:
        name, plus, extra = label.strip().partition("+")
        if name not in METHOD_NAMES or (plus and extra != "l2sp"):
            raise RecipeError(
                f"--methods: unknown method {label!r}; known: {', '.join(METHOD_NAMES)} "
                "(add +l2sp to stack the L2-SP penalty, e.g. full+l2sp)"
            )
        variants.append(Variant(label.strip(), name, (recipe_l2sp or DEFAULT_L2SP) if plus else 0.0))
    if len({v.label for v in variants}) != len(variants):
        raise RecipeError("--methods: a method is listed twice")
    return variants


def trial_dir(directory: Path, variant: Variant, seed: int) -> Path:
    return directory / "runs" / f"{variant.label}-seed{seed}"


def run_trial(
    recipe_path: Path, target: Path, overrides: list[str], quiet: bool
) -> tuple[dict[str, Any] | None, str]:
    """Train one trial in a child process; returns (metrics or None, error text)."""
    run = RunDir(target)
    if run.metrics_path.is_file():
        return run.load_metrics(), ""
    flags = ["--resume"] if run.latest_checkpoint() is not None else []
    if not flags and target.exists():
        shutil.rmtree(target)  # started but nothing to resume from: start again
    command = [sys.executable, "-m", "vertune", "train", str(recipe_path), "--output", str(target), "--quiet"]
    for override in overrides:
        command += ["--set", override]
    done = subprocess.run(command + flags, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return None, lines[-1] if lines else f"exit code {done.returncode}"
    shutil.rmtree(run.checkpoints_dir, ignore_errors=True)  # finished: the model is in model/
    return run.load_metrics(), ""


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 2)


def trial_row(variant: Variant, seed: int, metrics: dict[str, Any], metric: str, target: Path) -> dict:
    train = metrics["train"]
    return {
        "method": variant.label,
        "seed": seed,
        "metric": metrics["test"][metric],
        "interval": (metrics["test"].get("intervals") or {}).get(metric),  # test-row bootstrap, 95%
        "validation_metric": metrics["validation"][metric],
        **{key: train.get(key) for key in TRAIN_STATS},
        "peak_rss_mb": train.get("peak_rss_mb"),
        "saved_mb": directory_mb(target / "model"),
        "run": str(target),
    }


def summarise(rows: list[dict[str, Any]], variants: list[Variant]) -> list[dict[str, Any]]:
    """One line per method: mean and std over seeds of the metric, means of the costs."""
    summary = []
    for variant in variants:
        mine = [r for r in rows if r["method"] == variant.label and r.get("metric") is not None]
        if not mine:
            continue
        values = [r["metric"] for r in mine]

        def mean(key: str, rows: list[dict[str, Any]] = mine) -> float | None:
            present = [r[key] for r in rows if r.get(key) is not None]
            return statistics.fmean(present) if present else None

        trainable, total = mean("trainable_params"), mean("total_params")
        bounds = [r["interval"] for r in mine if r.get("interval")]
        summary.append(
            {
                "method": variant.label,
                "seeds": len(mine),
                "metric_mean": statistics.fmean(values),
                "metric_std": statistics.stdev(values) if len(values) > 1 else 0.0,
                # the seeds' mean 95% bootstrap interval over test rows: the test set's own noise, next to
                # the seed std (the training noise)
                "metric_interval": [
                    statistics.fmean(b[0] for b in bounds),
                    statistics.fmean(b[1] for b in bounds),
                ]
                if bounds
                else None,
                "trainable_params": round(trainable) if trainable is not None else None,
                "trainable_share": trainable / total if trainable and total else None,
                "training_seconds": mean("training_seconds"),
                "samples_per_second": mean("samples_per_second"),
                "peak_rss_mb": mean("peak_rss_mb"),
                "saved_mb": mean("saved_mb"),
            }
        )
    return summary


def recommend(summary: list[dict[str, Any]], budget_seconds: float | None) -> dict[str, Any]:
    """The rule, stated in the result: among methods whose mean training time fits the budget (all if no
    budget), take the best mean metric; if a method with fewer trainable parameters is within one standard
    deviation of that best (so the difference is noise at this many seeds), prefer the smallest such one."""
    rule = (
        "best mean test metric"
        + (f" among methods training in at most {budget_seconds:g} s" if budget_seconds else "")
        + "; a method with fewer trainable parameters within one standard deviation of the best wins"
    )
    fits = [
        s for s in summary if budget_seconds is None or (s["training_seconds"] or math.inf) <= budget_seconds
    ]
    if not fits:
        return {"method": None, "rule": rule, "reason": "no method trained within the time budget"}
    best = max(fits, key=lambda s: s["metric_mean"])
    close = [s for s in fits if s["metric_mean"] >= best["metric_mean"] - best["metric_std"]]
    pick = min(close, key=lambda s: (s["trainable_params"] or 0, -s["metric_mean"]))
    reason = f"{best['method']} has the best mean ({best['metric_mean']:.4f} +- {best['metric_std']:.4f})"
    if pick is not best:
        reason += (
            f"; {pick['method']} is within one standard deviation ({pick['metric_mean']:.4f}) "
            f"with {pick['trainable_params']:,} instead of {best['trainable_params']:,} trainable parameters"
        )
    return {"method": pick["method"], "rule": rule, "reason": reason}


def compare(
    recipe_path: str | Path,
    methods: Sequence[str],
    seeds: int = 3,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    budget_seconds: float | None = None,
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> dict[str, Any]:
    from tqdm import tqdm

    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path, list(overrides))  # fails early on a bad recipe
    if seeds < 1:
        raise VertuneError("--seeds: give at least 1")
    variants = parse_methods(methods, recipe.method.l2sp)
    directory = Path(output) if output else Path(f"{recipe.output}-compare")
    directory.mkdir(parents=True, exist_ok=True)
    group = open_group(directory, "compare", recipe.tracking, on_event)  # MLflow: the trials nest under it
    split_seed = recipe.data.split_seed if recipe.data.split_seed is not None else recipe.training.seed
    metric = task_info(recipe.task, recipe.data).default_metric  # the headline metric, on the test split
    training_seeds = [recipe.training.seed + k for k in range(seeds)]
    plan = [(v, s) for v in variants for s in training_seeds]
    rows, failures = [], []
    bar = tqdm(plan, desc="compare", unit="run", disable=quiet)
    for index, (variant, seed) in enumerate(bar):
        bar.set_postfix_str(f"{variant.label} seed {seed}")
        target = trial_dir(directory, variant, seed)
        trial_overrides = [
            *overrides,
            *variant.overrides(),
            f"training.seed={seed}",
            f"data.split_seed={split_seed}",
        ]
        if index > 0:  # the baselines depend on the split only: run them once
            trial_overrides.append("evaluation.baselines=[]")
        started = time.perf_counter()
        metrics, error = run_trial(recipe_path, target, trial_overrides, quiet)
        if metrics is None:
            failures.append({"method": variant.label, "seed": seed, "error": error})
            on_event(Warning(f"{variant.label} seed {seed} failed: {error}"))
            continue
        rows.append(trial_row(variant, seed, metrics, metric, target))
        if metrics.get("baselines"):
            baselines = {name: scores.get(metric) for name, scores in metrics["baselines"].items()}
            write_json_atomic(directory / "baselines.json", baselines)
        if not quiet and time.perf_counter() - started > 1:
            on_event(Info(f"{variant.label} seed {seed}: {metric} {rows[-1]['metric']:.4f}"))
    summary = summarise(rows, variants)
    baselines_path = directory / "baselines.json"
    result = {
        "recipe": str(recipe_path),
        "metric": metric,
        "split_seed": split_seed,
        "seeds": training_seeds,
        "summary": summary,
        "recommendation": recommend(summary, budget_seconds),
        "baselines": read_json(baselines_path) if baselines_path.is_file() else {},
        "trials": rows,
        "failures": failures,
    }
    from vertune.train.compare_report import write_comparison

    result["files"] = {k: str(v) for k, v in write_comparison(directory, result).items()}
    write_json_atomic(directory / "comparison.json", result)
    close_group(group, directory, on_event)
    return result
