"""Data stages: the recipe's task (defaults resolved), the validated splits, the vocabulary extension, the
encoded features. Nothing here imports torch at module level, so data problems are reported at once."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, cast

from vertune.data.prepare import Splits, prepare_splits
from vertune.data.validate import DataReport
from vertune.errors import RecipeError
from vertune.events import DataProblem, Info, Subscriber
from vertune.methods import default_learning_rate
from vertune.recipe import Baseline, ModelConfig, Recipe
from vertune.tasks import get_task, task_info
from vertune.tasks.base import Examples, Task
from vertune.train.imbalance import check_task as check_imbalance_options

#: Encoded features per split role ("train", "validation", "test").
Features = dict[str, list[dict[str, Any]]]
ROLES = ("train", "validation", "test")


def resolve_task(recipe: Recipe) -> Task:
    """The recipe's task with its data options; fills in what defaults to the task's own (so the run's
    recipe.yaml shows it: `training.metric_for_best`, `evaluation.baselines`) and checks the rest."""
    task = get_task(recipe.task, recipe.data)
    if recipe.training.metric_for_best is None:
        recipe.training.metric_for_best = task.default_metric
    check_metric(recipe.training.metric_for_best, task)
    if recipe.evaluation.baselines is None:
        recipe.evaluation.baselines = cast(list[Baseline], list(task.baselines))
    check_imbalance_options(recipe.training, task)
    if recipe.training.head_init == "linear_probe" and (
        not task.single_label or recipe.data.long_text == "chunk"
    ):
        raise RecipeError(
            "training.head_init: linear_probe works for classification of truncated texts only; "
            "use head_init: random"
        )
    return task


def check_metric(metric: str, task: Task) -> None:
    known = ("loss", *task.metric_names)
    if metric not in known:
        close = difflib.get_close_matches(metric, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise RecipeError(
            f"training.metric_for_best: unknown metric {metric!r}; {hint}known: {', '.join(known)}"
        )


def token_counter(tokenizer: Any) -> Callable[[list[str]], list[int]]:
    """Counts tokens (special tokens included) the way the model will see them, without truncation."""

    def count(texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in tokenizer(texts, truncation=False, verbose=False)["input_ids"]]

    return count


def report_data_problems(report: DataReport, on_event: Subscriber) -> None:
    """Each data warning as a DataProblem event."""
    for problem in report.warnings:
        on_event(DataProblem(problem.file, problem.row, str(problem)))


def prepare_data(recipe: Recipe, task: Task, tokenizer: Any, on_event: Subscriber) -> Splits:
    """Read, validate and split the recipe's files; the task learns its target scaling from train."""
    splits = prepare_splits(
        recipe, task, token_counter(tokenizer), lambda report: report_data_problems(report, on_event)
    )
    task.fit_targets(splits.train)
    if resolve_learning_rate(recipe, len(splits.train)):
        on_event(
            Info(
                f"training: body learning rate {recipe.training.learning_rate:g}, the {recipe.method.name} "
                f"method's default for {len(splits.train)} training rows (set training.learning_rate to choose)"
            )
        )
    if recipe.data.label_descriptions:  # a description of an unknown label: one line now, not after training
        from vertune.evaluate.zero_shot import label_sentences

        label_sentences(splits.labels, recipe.data.label_descriptions)
    sizes = ", ".join(f"{role} {n} rows" for role, n in splits.sizes().items())
    on_event(Info(f"data: {sizes}; {len(splits.labels)} classes"))
    return splits


def resolve_learning_rate(recipe: Recipe, train_rows: int) -> bool:
    """Fill in `training.learning_rate` left out: the method's default for this many training rows where the
    task's default follows the data's size (`TaskInfo.size_dependent_learning_rate`), else its one default;
    so the run's recipe.yaml shows the rate used. True if it was left out."""
    if recipe.training.learning_rate is not None:
        return False
    sized = task_info(recipe.task, recipe.data).size_dependent_learning_rate
    rows = train_rows if sized else None
    recipe.training.learning_rate = default_learning_rate(recipe.method.name, rows)
    return True


def extend_vocabulary(
    recipe: Recipe, task: Task, tokenizer: Any, splits: Splits, on_event: Subscriber
) -> tuple[Any, dict[str, Any]]:
    """Apply `model.extend_vocab` to the tokenizer (in place, before anything is encoded): the extension
    for the model, and the [UNK] share of each split before and after, for metrics.json."""
    texts = {role: [task.text_of(x) for x in getattr(splits, role).inputs] for role in splits.sizes()}
    return extend_vocabulary_for(recipe.model, tokenizer, texts, on_event)


def extend_vocabulary_for(
    model: ModelConfig, tokenizer: Any, texts: dict[str, list[str]], on_event: Subscriber
) -> tuple[Any, dict[str, Any]]:
    """`model.extend_vocab` planned on texts["train"]; the [UNK] share of each role's texts before / after."""
    from vertune.models import vocab

    if model.extend_vocab is None:
        return None, {}
    before = {role: vocab.unknown_share(tokenizer, t) for role, t in texts.items()}
    extension = vocab.extend_tokenizer(tokenizer, vocab.plan(model, tokenizer, texts["train"]))
    after = {role: vocab.unknown_share(tokenizer, t) for role, t in texts.items()}
    on_event(
        Info(
            f"vocabulary: added {len(extension)} tokens ({model.extend_vocab}); [UNK] share "
            + ", ".join(f"{role} {before[role]['share']:.1%} -> {after[role]['share']:.1%}" for role in texts)
        )
    )
    return extension, {**extension.summary(), "unknown_before": before, "unknown_after": after}


def encode_splits(task: Task, splits: Splits, tokenizer: Any, max_length: int) -> Features:
    """Tokenise each split once; training, scoring and the linear-probe baseline share the features."""
    return {role: task.encode(getattr(splits, role).inputs, tokenizer, max_length) for role in ROLES}


def split_stats(task: Task, examples: Examples, file_stats: dict[str, Any] | None) -> dict[str, Any]:
    """One split's row count, target statistics and token lengths, for metrics.json's `data` section."""
    stats = {"rows": len(examples), **task.target_stats(examples)}
    for key in ("longer_than_max_length", "median_tokens"):
        if file_stats and key in file_stats:
            stats[key] = file_stats[key]
    return stats


def data_section(task: Task, splits: Splits) -> dict[str, Any]:
    """metrics.json's `data`: each split's statistics and the data warnings (serve's drift reference)."""
    return {
        **{
            role: split_stats(task, getattr(splits, role), splits.report.stats.get(role))
            for role in splits.sizes()
        },
        "warnings": [str(p) for p in splits.report.warnings],
    }
