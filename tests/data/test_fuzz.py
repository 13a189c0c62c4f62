"""Property-based fuzzing of the readers and validators: whatever bytes a user's file holds, reading and
validating it either works or raises a VertuneError (one line at the CLI), never anything else."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertune.data.readers import read_table
from vertune.data.validate import validate_classification
from vertune.errors import VertuneError
from vertune.recipe import DataConfig
from vertune.tasks import TASK_NAMES, get_task

FUZZ = settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = (".csv", ".tsv", ".jsonl", ".conll", ".parquet")
COLUMNS = ("text", "label", "text_pair", "tokens", "tags", "spans", "Text", "")

# JSON values as a user's file might hold them: scalars, lists, nested objects.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
cells = st.text(max_size=12) | st.sampled_from(["B-PER", "I-ORG", "O", "E-LOC", "S-X", "1.5", "nan", "a|b"])


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 1), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([",", "\t"])))
    writer.writerows([header, *rows])
    return buffer.getvalue()


@st.composite
def jsonl_texts(draw: st.DrawFn) -> str:
    keys = st.sampled_from(COLUMNS) | st.text(max_size=4)
    rows = draw(st.lists(st.dictionaries(keys, json_values | cells, max_size=4) | json_values, max_size=6))
    return "".join(json.dumps(row) + "\n" for row in rows)


@st.composite
def conll_texts(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.lists(cells, min_size=0, max_size=3).map(" ".join), max_size=10))
    return "\n".join(lines)


def _read_and_validate(path: Path) -> None:
    """What `data check` and the start of `train` do with a file, for every task."""
    try:
        table = read_table(path)
    except VertuneError:
        return
    validate_classification({"train": table, "test": table}, "text", "label")
    for name in TASK_NAMES:
        data = DataConfig(train=path)
        task = get_task(name, data)
        try:
            report = task.validate({"train": table, "test": table}, data, None, None)
            report.raise_errors()
            task.examples(table, data)
        except VertuneError:
            continue


def _check(content: str | bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"data{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        _read_and_validate(path)


@FUZZ
@given(content=st.binary(max_size=200), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(content: bytes, suffix: str) -> None:
    _check(content, suffix)


@FUZZ
@given(content=st.text(max_size=200), suffix=st.sampled_from(SUFFIXES))
def test_random_unicode(content: str, suffix: str) -> None:
    _check(content, suffix)


@FUZZ
@given(content=csv_texts())
def test_random_csv_shapes(content: str) -> None:
    _check(content, ".tsv" if content.split("\n", 1)[0].count("\t") else ".csv")


@FUZZ
@given(content=jsonl_texts())
def test_random_jsonl_shapes(content: str) -> None:
    _check(content, ".jsonl")


@FUZZ
@given(content=conll_texts())
def test_random_conll_shapes(content: str) -> None:
    _check(content, ".conll")


@pytest.mark.parametrize(
    "row",
    [
        {"text": ["a", "list"], "label": "x"},
        {"text": {"nested": 1}, "label": {"a": 1}},
        {"text": "fine", "label": [1, 2]},
        {"tokens": "not a list", "tags": 3},
        {"text": "Ann", "spans": [{"start": "0", "end": None, "label": 5}]},
    ],
)
def test_odd_json_values(row: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    _read_and_validate(path)
