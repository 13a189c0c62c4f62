"""Row-level validation of labelled text data, shared by `vertune data check` and the start of `train`.

Errors stop the job (exit 2); warnings are printed and the job goes on. Each problem names the file and
row and says how to fix it.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vertune.data.readers import Table
from vertune.errors import DataError, Problem

# How many rows of one kind of problem are listed before the rest are summed up in one line.
ROWS_SHOWN_PER_PROBLEM = 5


@dataclass
class DataReport:
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_errors(self) -> None:
        if self.errors:
            raise DataError(self.errors)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_label(value: Any) -> str:
    """Labels are compared and stored as strings, whatever type the file gave them."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_columns(table: Table, wanted: dict[str, str]) -> list[Problem]:
    """`wanted` maps a recipe key (data.text_column) to the column name it asks for."""
    problems = []
    for key, name in wanted.items():
        if name not in table.columns:
            close = difflib.get_close_matches(name, table.columns, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                Problem(
                    str(table.path),
                    None,
                    f"column {name!r} not found (columns: {', '.join(table.columns)})",
                    f"{hint}set {key} to the column that holds it",
                )
            )
    return problems


def validate_classification(
    splits: dict[str, Table],
    text_column: str | dict[str, str],
    label_column: str,
    count_tokens: Callable[[list[str]], list[int]] | None = None,
    max_length: int | None = None,
) -> DataReport:
    """Check the given files (train first; validation / test if given) for a text classification task.

    `text_column` is one column, or {recipe key: column} of several (a text pair)."""
    report, usable = validate_texts(splits, text_column, label_column, count_tokens, max_length)
    for role, table in usable.items():
        report.stats[role]["classes"] = _class_counts(table, label_column)
    train = usable.get("train")
    if train is not None:
        report.problems += _small_classes(train, label_column)
        train_labels = set(report.stats["train"]["classes"])
        for role, table in usable.items():
            if role != "train":
                report.problems += check_known_labels(table, label_column, train_labels)
    return report


def validate_texts(
    splits: dict[str, Table],
    text_column: str | dict[str, str],
    label_column: str,
    count_tokens: Callable[[list[str]], list[int]] | None = None,
    max_length: int | None = None,
) -> tuple[DataReport, dict[str, Table]]:
    """The checks every labelled text task shares: columns, empty texts and labels, duplicates, leakage
    between train and the other files, the share of texts longer than max_length. Returns the report and
    the tables whose columns are all present (the task checks their labels further)."""
    texts = {"data.text_column": text_column} if isinstance(text_column, str) else dict(text_column)
    text_columns = list(texts.values())
    report = DataReport()
    usable: dict[str, Table] = {}
    for role, table in splits.items():
        missing = check_columns(table, {**texts, "data.label_column": label_column})
        report.problems += missing
        if not missing:
            usable[role] = table
    for role, table in usable.items():
        for column in text_columns:
            report.problems += _empty_values(table, column, "text", "fill in the text or delete the row")
        report.problems += _empty_values(table, label_column, "label", "fill in the label or delete the row")
        report.problems += _duplicates(table, text_columns, label_column)
        report.stats[role] = {"rows": len(table)}
    train = usable.get("train")
    if train is not None:
        train_texts = _text_index(train, text_columns)
        for role, table in usable.items():
            if role != "train":
                report.problems += _leakage(table, text_columns, train_texts, train)
    if count_tokens is not None and max_length is not None:
        for role, table in usable.items():
            _length_check(report, role, table, text_columns, count_tokens, max_length)
    return report, usable


def _length_check(
    report: DataReport,
    role: str,
    table: Table,
    text_columns: list[str],
    count_tokens: Callable[[list[str]], list[int]],
    max_length: int,
) -> None:
    rows = zip(*(table.column(c) for c in text_columns), strict=True)
    # A pair's length is roughly the sum of its texts' (one text with both, joined by a space).
    texts = [" ".join(str(t) for t in row) for row in rows if not any(is_missing(t) for t in row)]
    lengths = count_tokens(texts)
    too_long = sum(n > max_length for n in lengths)
    share = too_long / max(len(lengths), 1)
    report.stats[role]["longer_than_max_length"] = round(share, 4)
    report.stats[role]["median_tokens"] = sorted(lengths)[len(lengths) // 2] if lengths else 0
    if too_long:
        report.problems.append(
            Problem(
                str(table.path),
                None,
                f"{too_long} of {len(lengths)} texts ({share:.0%}) are longer than max_length={max_length} "
                "tokens and will be truncated",
                "raise training.max_length if the end of a text matters (slower), or set "
                "data.long_text: chunk to read every part of it",
                "warning",
            )
        )


def capped(problems: list[Problem], what: str) -> list[Problem]:
    if len(problems) <= ROWS_SHOWN_PER_PROBLEM:
        return problems
    first = problems[0]
    rest = len(problems) - ROWS_SHOWN_PER_PROBLEM
    summary = Problem(first.file, None, f"... and {rest} more rows with {what}", first.fix, first.severity)
    return [*problems[:ROWS_SHOWN_PER_PROBLEM], summary]


def _empty_values(table: Table, column: str, what: str, fix: str) -> list[Problem]:
    found = [
        Problem(str(table.path), line, f"empty {what} in column {column!r}", fix)
        for line, value in zip(table.lines, table.column(column), strict=True)
        if is_missing(value)
    ]
    return capped(found, f"an empty {what}")


def _class_counts(table: Table, label_column: str) -> dict[str, int]:
    counts = Counter(as_label(v) for v in table.column(label_column) if not is_missing(v))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _small_classes(train: Table, label_column: str) -> list[Problem]:
    counts = Counter(as_label(v) for v in train.column(label_column) if not is_missing(v))
    first_line = _first_lines(train, label_column)
    return [
        Problem(
            str(train.path),
            first_line[label],
            f"class {label!r} has only {count} row",
            "add examples of it (at least 2; many more to learn it) or remove the class",
        )
        for label, count in sorted(counts.items())
        if count < 2
    ]


def _first_lines(table: Table, column: str) -> dict[str, int]:
    first: dict[str, int] = {}
    for line, value in zip(table.lines, table.column(column), strict=True):
        if not is_missing(value):
            first.setdefault(as_label(value), line)
    return first


def check_known_labels(table: Table, label_column: str, known: set[str]) -> list[Problem]:
    """An error for each label that the model cannot predict because training never saw it."""
    return [
        Problem(
            str(table.path),
            line,
            f"label {label!r} does not occur in the training data",
            "add training examples of it or remove these rows (a model cannot predict a class it never saw)",
        )
        for label, line in _first_lines(table, label_column).items()
        if label not in known
    ]


def _text_keys(table: Table, text_columns: list[str]) -> list[tuple[str, ...] | None]:
    """Each row's texts, stripped (None where one is empty): what makes two rows the same input."""
    rows = zip(*(table.column(c) for c in text_columns), strict=True)
    return [None if any(is_missing(t) for t in row) else tuple(str(t).strip() for t in row) for row in rows]


def _text_index(table: Table, text_columns: list[str]) -> dict[tuple[str, ...], list[int]]:
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for line, key in zip(table.lines, _text_keys(table, text_columns), strict=True):
        if key is not None:
            index[key].append(line)
    return index


def _duplicates(table: Table, text_columns: list[str], label_column: str) -> list[Problem]:
    labels_by_text: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for key, label in zip(_text_keys(table, text_columns), table.column(label_column), strict=True):
        if key is not None and not is_missing(label):
            labels_by_text[key].add(as_label(label))
    found: list[Problem] = []
    for text, lines in _text_index(table, text_columns).items():
        if len(lines) < 2:
            continue
        conflicting = len(labels_by_text.get(text, ())) > 1
        what = "with different labels " if conflicting else ""
        found.extend(
            Problem(
                str(table.path),
                line,
                f"text repeats line {lines[0]} {what}".rstrip(),
                "remove the duplicate (duplicates over-weight a text and inflate scores)",
                "warning",
            )
            for line in lines[1:]
        )
    return capped(found, "a duplicate text")


def _leakage(
    table: Table, text_columns: list[str], train_texts: dict[tuple[str, ...], list[int]], train: Table
) -> list[Problem]:
    found = [
        Problem(
            str(table.path),
            lines[0],
            f"text also in the training data ({train.path.name} line {train_texts[text][0]}): leakage",
            "remove it from one of the files, or the scores on this file are inflated",
            "warning",
        )
        for text, lines in _text_index(table, text_columns).items()
        if text in train_texts
    ]
    return capped(found, "a text also in the training data")


def texts_and_labels(table: Table, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """The validated columns as plain lists (call after validation passed)."""
    return [str(t) for t in table.column(text_column)], [as_label(v) for v in table.column(label_column)]
