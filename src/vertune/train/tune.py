"""`vertune tune`: an Optuna search over the recipe's training and method knobs.

Each trial is the train workflow (vertune.workflows.train) with the sampled values as `--set` overrides, in `<tune dir>/trials/<n>/`,
scored on the VALIDATION split (the test split stays untouched for the final report). A callback reports
every evaluation to Optuna, whose median pruner stops trials whose validation curve falls behind. The
study lives in `<tune dir>/study.db` (SQLite), so running the same command again continues the search
until `tune.trials` trials exist. The best trial's recipe, every default resolved, is written to
`<tune dir>/best_recipe.yaml`.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from vertune.errors import RecipeError
from vertune.events import Info, Subscriber, ignore, log_event
from vertune.recipe import SearchParam, load_recipe
from vertune.run import write_json_atomic, write_text_atomic
from vertune.train.search_space import default_space, suggest


class ReportToOptuna(TrainerCallback):
    """Report each validation score to the trial; stop the trial when the pruner says so."""

    def __init__(self, trial: Any, metric: str):
        self.trial = trial
        self.metric = metric

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        import optuna

        value = (metrics or {}).get(f"eval_{self.metric}")
        if value is None:
            return
        self.trial.report(value, step=state.global_step)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {state.global_step}")


def tune(
    recipe_path: str | Path,
    trials: int | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> dict[str, Any]:
    import optuna

    from vertune.evaluate.direction import lower_is_better
    from vertune.tasks import get_task
    from vertune.workflows.train import run_train

    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path, list(overrides))
    config = recipe.tune
    space = config.space or default_space(recipe)
    for key in space:  # a typo in the space fails now, not in trial 7
        _check_key(recipe_path, overrides, key, space[key])
    total = trials or config.trials
    directory = Path(output) if output else Path(f"{recipe.output}-tune")
    directory.mkdir(parents=True, exist_ok=True)
    # null in the recipe = the task's own headline metric (what the train workflow fills in)
    metric = recipe.training.metric_for_best or get_task(recipe.task, recipe.data).default_metric
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="vertune",
        storage=f"sqlite:///{(directory / 'study.db').resolve()}",
        load_if_exists=True,
        direction="minimize" if lower_is_better(metric) else "maximize",
        sampler=optuna.samplers.TPESampler(seed=recipe.training.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
        if config.pruner == "median"
        else optuna.pruners.NopPruner(),
    )
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    done = len([t for t in study.trials if t.state in finished])
    # Keep the data split of the base recipe whatever training.seed a trial gets.
    split_seed = recipe.data.split_seed if recipe.data.split_seed is not None else recipe.training.seed

    def objective(trial: Any) -> float:
        values = {key: suggest(trial, key, param) for key, param in space.items()}
        trial_overrides = [
            *overrides,
            *(f"{k}={v}" for k, v in values.items()),
            f"data.split_seed={split_seed}",
            "evaluation.baselines=[]",
        ]
        target = directory / "trials" / f"{trial.number:03d}"
        trial_recipe = load_recipe(recipe_path, trial_overrides)
        trial_recipe.output = target
        try:
            result = run_train(
                trial_recipe, ignore, overwrite=True, quiet=True, callbacks=[ReportToOptuna(trial, metric)]
            )
        finally:
            shutil.rmtree(target / "checkpoints", ignore_errors=True)
        score = result.metrics["validation"][metric]
        on_event(Info(f"trial {trial.number}: validation {metric} {score:.4f} with {values}"))
        return score

    remaining = max(0, total - done)
    if remaining:
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=timeout if timeout is not None else config.timeout,
            show_progress_bar=not quiet,
        )
    return _write_results(study, directory, recipe_path, overrides, split_seed, metric)


def _check_key(recipe_path: Path, overrides: Sequence[str], key: str, param: SearchParam) -> None:
    sample = param.choices[0] if param.choices is not None else param.low
    try:
        load_recipe(recipe_path, [*overrides, f"{key}={sample}"])
    except RecipeError as exc:
        raise RecipeError(f"tune.space.{key}: {exc}") from None


def _write_results(
    study: Any, directory: Path, recipe_path: Path, overrides: Sequence[str], split_seed: int, metric: str
) -> dict[str, Any]:
    import optuna

    trials = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "params": t.params,
            "seconds": t.duration.total_seconds() if t.duration else None,
        }
        for t in study.trials
    ]
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    result: dict[str, Any] = {"metric": f"validation {metric}", "trials": trials, "best": None}
    if complete:
        best = study.best_trial
        best_recipe = load_recipe(
            recipe_path,
            [*overrides, *(f"{k}={v}" for k, v in best.params.items()), f"data.split_seed={split_seed}"],
        )
        write_text_atomic(directory / "best_recipe.yaml", best_recipe.to_yaml())
        result["best"] = {"number": best.number, "value": best.value, "params": best.params}
        result["best_recipe"] = str(directory / "best_recipe.yaml")
    write_json_atomic(directory / "tune.json", result)
    return result
