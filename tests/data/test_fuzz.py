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


tags = st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "E-LOC", "S-PER", "M-X", "B-", "-"])
words = st.text(st.characters(blacklist_categories=["Zs", "Cc", "Zl", "Zp", "Cs"]), min_size=1, max_size=6)


@st.composite
def labelled_csv_texts(draw: st.DrawFn) -> str:
    """Mostly well-formed: the columns the tasks ask for and rows of the header's width."""
    header = [
        "text",
        "label",
        *draw(st.lists(st.sampled_from(["text_pair", "extra"]), max_size=2, unique=True)),
    ]
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), min_size=1, max_size=8))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


@st.composite
def labelled_jsonl_texts(draw: st.DrawFn) -> str:
    """Rows with the expected keys whose values may be any JSON: NER token rows, span rows, text rows."""
    row = st.fixed_dictionaries(
        {"text": cells | json_values, "label": cells | json_values},
        optional={
            "text_pair": cells | json_values,
            "tokens": st.lists(words, max_size=4) | json_values,
            "tags": st.lists(tags, max_size=4) | json_values,
            "spans": st.lists(
                st.fixed_dictionaries(
                    {"start": st.integers(-2, 8), "end": st.integers(-2, 8), "label": cells}
                )
                | json_values,
                max_size=2,
            )
            | json_values,
        },
    )
    return "".join(json.dumps(r) + "\n" for r in draw(st.lists(row, min_size=1, max_size=6)))


@st.composite
def tagged_conll_texts(draw: st.DrawFn) -> str:
    sentences = draw(
        st.lists(st.lists(st.tuples(words, tags), min_size=1, max_size=5), min_size=1, max_size=4)
    )
    return "\n\n".join("\n".join(f"{w} {t}" for w, t in sentence) for sentence in sentences) + "\n"


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
            report = task.validate({"train": table}, data, None, None)
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


@FUZZ
@given(content=labelled_csv_texts())
def test_labelled_csv(content: str) -> None:
    _check(content, ".csv")


@FUZZ
@given(content=labelled_jsonl_texts())
def test_labelled_jsonl(content: str) -> None:
    _check(content, ".jsonl")


@FUZZ
@given(content=tagged_conll_texts())
def test_tagged_conll(content: str) -> None:
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
