"""Generation data formats and their file:line validation (torch-free)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertune.data.readers import read_table
from vertune.errors import DataError
from vertune.generation.data import parse_or_raise, read_rows, validate_generation
from vertune.recipe import DataConfig


def write(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def rows_of(path: Path, **options) -> list:
    data = DataConfig(train=path, **options)
    return parse_or_raise(read_table(path), data, labelled=True)


def test_every_format_becomes_a_conversation_and_an_answer(tmp_path):
    chat = write(
        tmp_path,
        "chat.jsonl",
        [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}],
    )
    alpaca = write(tmp_path, "alpaca.jsonl", [{"instruction": "Translate", "input": "chat", "output": "cat"}])
    completion = write(tmp_path, "pc.jsonl", [{"prompt": "2+2=", "completion": "4"}])
    columns = tmp_path / "qa.csv"
    columns.write_text("question,answer\nWhy?,Because\n", encoding="utf-8")
    assert [(r.prompt, r.response) for r in rows_of(chat)] == [([{"role": "user", "content": "hi"}], "hello")]
    assert rows_of(alpaca)[0].prompt == [{"role": "user", "content": "Translate\n\nchat"}]
    assert rows_of(completion)[0].response == "4"
    row = rows_of(columns, prompt_column="question", response_column="answer", system_prompt="Be brief.")[0]
    assert row.prompt == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}]
    assert row.response == "Because"


def test_bad_conversations_are_file_line_errors(tmp_path):
    path = write(
        tmp_path,
        "bad.jsonl",
        [
            {"messages": [{"role": "user", "content": "ok"}, {"role": "assistant", "content": "fine"}]},
            {"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]},
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "  "}]},
            {"messages": [{"role": "user", "content": "x"}]},
        ],
    )
    rows, problems = read_rows(read_table(path), DataConfig(train=path))
    assert len(rows) == 1
    text = [str(p) for p in problems]
    assert text[0].startswith(f"{path}:2: message 1: unknown role 'robot'")
    assert text[1].startswith(f"{path}:3: message 2: empty assistant message")
    assert text[2].startswith(f"{path}:4: the conversation ends on a user turn")


def test_missing_columns_name_the_recipe_key(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,label\na,b\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'prompt' not found.*data\.prompt_column"):
        rows_of(path)


def test_over_long_examples_are_a_warning_with_their_share(tmp_path):
    path = write(tmp_path, "t.jsonl", [{"prompt": "a " * n, "completion": "b"} for n in (2, 3, 200, 300)])
    data = DataConfig(train=path)
    report = validate_generation(
        {"train": read_table(path)}, data, lambda texts: [len(t.split()) for t in texts], 64
    )
    assert not report.errors
    assert report.stats["train"]["longer_than_max_length"] == 0.5
    assert "2 of 4 examples (50%) are longer than training.max_length" in str(report.warnings[0])
