"""`vertune data check`: the data stage without a run (validate files for a task, the [UNK] share), and
the repair of invalid tag sequences (`--fix`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vertune.data.readers import Table, read_table
from vertune.data.validate import DataReport
from vertune.errors import DataError, ModelNotFoundError, RecipeError, VertuneError
from vertune.events import Info, Subscriber
from vertune.recipe import DataConfig, ModelConfig
from vertune.run import write_text_atomic
from vertune.stages.data import report_data_problems, token_counter
from vertune.tasks.base import Task


def check_files(
    train: str | Path,
    others: dict[str, str | Path | None],
    task_name: str,
    text_column: str,
    label_column: str,
    tag_scheme: str,
    model: str | None,
    max_length: int,
    extend_vocab: str | None,
    min_frequency: int,
    on_event: Subscriber,
) -> DataReport:
    """The files' problems as a DataReport (warnings also as DataProblem events); with a model, token
    lengths and the [UNK] share before and after `extend_vocab`."""
    from vertune.data.prepare import read_files
    from vertune.tasks import get_task, task_spec

    task_spec(task_name)  # an unknown task is refused before any file is read
    try:
        tables = read_files({"train": train, **others})
    except DataError as exc:
        return DataReport(exc.problems)
    data = data_config(
        {
            "train": Path(train),
            "text_column": text_column,
            "label_column": label_column,
            "tag_scheme": tag_scheme,
        }
    )
    tokenizer = None
    if model:
        try:
            from vertune.models.loading import load_tokenizer

            tokenizer = load_tokenizer(ModelConfig(name=model))
        except ModelNotFoundError as exc:
            on_event(Info(f"skipping the length check: {exc}"))
    task = get_task(task_name)
    report = task.validate(tables, data, token_counter(tokenizer) if tokenizer else None, max_length)
    if model and tokenizer is not None and not report.errors:
        config = ModelConfig(name=model, extend_vocab=extend_vocab, extend_vocab_min_frequency=min_frequency)
        unknown_shares(report, task, tables, data, tokenizer, config)
    report_data_problems(report, on_event)
    return report


def unknown_shares(
    report: DataReport,
    task: Task,
    tables: dict[str, Table],
    data: DataConfig,
    tokenizer: Any,
    config: ModelConfig,
) -> None:
    """report.stats[role]["unknown"] (and "unknown_after", "added_tokens" with a vocabulary extension)."""
    from vertune.models import vocab

    texts = {role: [task.text_of(x) for x in task.examples(t, data).inputs] for role, t in tables.items()}
    for role, role_texts in texts.items():
        report.stats.setdefault(role, {})["unknown"] = vocab.unknown_share(tokenizer, role_texts)
    if config.extend_vocab is None:
        return
    extension = vocab.extend_tokenizer(tokenizer, vocab.plan(config, tokenizer, texts["train"]))
    for role, role_texts in texts.items():
        report.stats[role]["unknown_after"] = vocab.unknown_share(tokenizer, role_texts)
    report.stats["train"]["added_tokens"] = len(extension)


def repair_tags(path: str | Path, output: str | Path, tag_scheme: str, text_column: str) -> int:
    """Write a token-tagged file with invalid tag transitions repaired, in its own scheme; the number of
    sentences changed."""
    from vertune.data.conll import write_conll, write_token_jsonl
    from vertune.tasks.ner_data import TOKENS, read_rows, repaired_tags

    table = read_table(path)
    data = data_config({"train": Path(path), "text_column": text_column, "tag_scheme": tag_scheme})
    rows = read_rows(table, data)
    errors = [p for p in rows.problems if p.severity == "error"]
    if errors:
        raise DataError(errors)
    if rows.form != TOKENS:
        raise VertuneError(
            f"{path}: --fix repairs tag sequences; this file has character spans, nothing to fix"
        )
    fixed, changed = repaired_tags(table, data)
    writers = {".conll": write_conll, ".bio": write_conll, ".iob": write_conll, ".jsonl": write_token_jsonl}
    suffix = Path(output).suffix.lower()
    if suffix not in writers:
        raise VertuneError(f"{output}: unsupported output type; use .conll, .bio, .iob or .jsonl")
    write_text_atomic(Path(output), writers[suffix](fixed))
    return changed


def data_config(options: dict[str, Any]) -> DataConfig:
    """The `data` options given as command-line flags, checked as the recipe checks them (one line each)."""
    try:
        return DataConfig.model_validate(options)
    except ValidationError as exc:
        problems = [f"{flag(e['loc'])} {e['input']!r}: {e['msg']}" for e in exc.errors()]
        raise RecipeError("; ".join(problems)) from None


def flag(location: tuple[str | int, ...]) -> str:
    """A data option's command-line flag: ("tag_scheme",) -> --tag-scheme."""
    return "--" + "-".join(str(part) for part in location).replace("_", "-")
