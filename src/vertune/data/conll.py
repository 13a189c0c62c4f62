"""CoNLL files for token classification: one token per line, the tag in the last column.

Columns are separated by spaces or tabs (columns between the first and the last, such as POS and chunk tags,
are ignored), a blank line ends a sentence, and `-DOCSTART-` lines are skipped. The result is a `Table` with a
`tokens` and a `tags` column (one list per sentence), each sentence's first line, and the line of every token
(`token_lines`), so a problem with one tag is reported at its own line. JSONL with `tokens` + `tags` or
`text` + `spans` needs no reader of its own: the JSONL reader gives the same columns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vertune.data.table import Table
from vertune.errors import DataError, Problem


def read_conll(path: Path, text: str) -> Table:
    tokens: list[list[str]] = []
    tags: list[list[str]] = []
    token_lines: list[list[int]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    sentence: tuple[list[str], list[str], list[int]] = ([], [], [])

    def end_sentence() -> None:
        nonlocal sentence
        if sentence[0]:
            tokens.append(sentence[0])
            tags.append(sentence[1])
            token_lines.append(sentence[2])
            lines.append(sentence[2][0])
        sentence = ([], [], [])

    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            end_sentence()
            continue
        if len(fields) < 2:
            problems.append(
                Problem(
                    str(path),
                    number,
                    f"token {fields[0]!r} has no tag",
                    "write the token and its tag on one line, separated by a space or a tab",
                )
            )
            continue
        sentence[0].append(fields[0])
        sentence[1].append(fields[-1])
        sentence[2].append(number)
    end_sentence()
    if problems:
        raise DataError(problems[:20])
    values: dict[str, list[Any]] = {"tokens": tokens, "tags": tags, "token_lines": token_lines}
    return Table(path, list(values), values, lines)


def write_conll(sentences: Sequence[tuple[Sequence[str], Sequence[str]]]) -> str:
    """Tokens and tags as CoNLL text: `token tag` lines, a blank line between sentences."""
    blocks = ["\n".join(f"{t} {g}" for t, g in zip(words, tags, strict=True)) for words, tags in sentences]
    return "\n\n".join(blocks) + "\n"


def write_token_jsonl(sentences: Sequence[tuple[Sequence[str], Sequence[str]]]) -> str:
    """Tokens and tags as JSONL: {"tokens": [...], "tags": [...]} a line."""
    return "".join(
        json.dumps({"tokens": list(words), "tags": list(tags)}, ensure_ascii=False) + "\n"
        for words, tags in sentences
    )
