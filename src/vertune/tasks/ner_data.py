"""NER rows from a Table: CoNLL / JSONL `tokens` + `tags`, or JSONL `text` + character `spans`.

`read_rows` turns every row into a Sentence and IOB2 tags, and lists each problem with its file:line:
errors (token and tag counts differ, unknown prefix, a span outside the text, overlapping spans) and warnings
(an invalid transition such as `I-X` after `O`, read the way seqeval reads it; `vertune data check --fix`
writes the repaired file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from vertune.data.readers import Table
from vertune.data.validate import capped, check_columns, is_missing
from vertune.errors import Problem
from vertune.recipe import DataConfig
from vertune.tasks import tagging
from vertune.tasks.sentences import Sentence, as_sentence, from_text
from vertune.tasks.tagging import Span

TOKENS, TAGS, SPANS, TOKEN_LINES = "tokens", "tags", "spans", "token_lines"


@dataclass
class NerRows:
    sentences: list[Sentence] = field(default_factory=list)
    tags: list[list[str]] = field(default_factory=list)  # IOB2
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    scheme: str = tagging.INTERNAL
    form: str = TOKENS  # "tokens" (tokens + tags) or "spans" (text + spans)


def form_of(table: Table, data: DataConfig) -> str | None:
    if TOKENS in table.columns and TAGS in table.columns:
        return TOKENS
    if data.text_column in table.columns and SPANS in table.columns:
        return SPANS
    return None


def missing_columns(table: Table, data: DataConfig) -> list[Problem]:
    if form_of(table, data) is not None:
        return []
    problems = check_columns(table, {"tokens": TOKENS, "tags": TAGS})
    fix = (
        "give CoNLL (token and tag a line), JSONL with `tokens` + `tags` lists, or JSONL with "
        f"`{data.text_column}` + `spans` ([{{start, end, label}}])"
    )
    return [Problem(p.file, p.row, p.message, fix) for p in problems]


def scheme_of(table: Table, data: DataConfig) -> str:
    if data.tag_scheme != "auto":
        return tagging.INTERNAL if data.tag_scheme == "BIO" else data.tag_scheme
    tags = (t for row in table.column(TAGS) if isinstance(row, list) for t in row if isinstance(t, str))
    return tagging.detect_scheme(tags)


def read_rows(table: Table, data: DataConfig) -> NerRows:
    """Every usable row as a Sentence with IOB2 tags, plus every problem found."""
    form = form_of(table, data)
    if form is None:
        return NerRows(problems=missing_columns(table, data))
    if form == SPANS:
        rows = NerRows(form=SPANS)
        for line, text, spans in zip(
            table.lines, table.column(data.text_column), table.column(SPANS), strict=True
        ):
            _add_text_row(rows, str(table.path), line, text, spans)
        return rows
    rows = NerRows(scheme=scheme_of(table, data))
    token_lines = table.values.get(TOKEN_LINES) or [None] * len(table)
    invalid: list[Problem] = []
    for line, tokens, tags, lines in zip(
        table.lines, table.column(TOKENS), table.column(TAGS), token_lines, strict=True
    ):
        _add_token_row(rows, invalid, str(table.path), line, tokens, tags, lines)
    rows.problems += capped(invalid, "an invalid tag sequence")
    return rows


def _add_token_row(
    rows: NerRows,
    invalid: list[Problem],
    path: str,
    line: int,
    tokens: Any,
    tags: Any,
    lines: Sequence[int] | None,
) -> None:
    def error(message: str, fix: str, at: int = line) -> None:
        rows.problems.append(Problem(path, at, message, fix))

    if not _strings(tokens) or not _strings(tags):
        error("`tokens` and `tags` must be lists of strings", 'write {"tokens": ["..."], "tags": ["O"]}')
        return
    if not tokens:
        error("empty sentence", "delete the row or add its tokens")
        return
    if len(tokens) != len(tags):
        error(f"{len(tokens)} tokens but {len(tags)} tags", "give every token exactly one tag")
        return
    at = list(lines) if lines else [line] * len(tags)
    bad = [(i, why) for i, tag in enumerate(tags) if (why := tagging.bad_prefix(tag, rows.scheme))]
    for i, why in bad[:3]:
        error(why, f"use the {rows.scheme} scheme's tags or set data.tag_scheme", at[i])
    if bad:
        return
    spans, broken = tagging.read_spans(tags, rows.scheme)
    for i in broken:
        invalid.append(
            Problem(
                path,
                at[i],
                f"invalid {rows.scheme} sequence: {tags[i]!r} after {tags[i - 1] if i else 'the start'!r}",
                "read as seqeval reads it (an entity starts here); `vertune data check --fix --output FILE` "
                "writes the repaired file",
                "warning",
            )
        )
    rows.sentences.append(as_sentence(tokens))
    rows.tags.append(tagging.write_tags(spans, len(tokens), tagging.INTERNAL))
    rows.lines.append(line)


def _add_text_row(rows: NerRows, path: str, line: int, text: Any, spans: Any) -> None:
    def error(message: str, fix: str) -> None:
        rows.problems.append(Problem(path, line, message, fix))

    if is_missing(text) or not isinstance(text, str):
        error("empty text", "fill in the text or delete the row")
        return
    if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
        error(
            "`spans` must be a list of {start, end, label}",
            'write "spans": [{"start": 0, "end": 4, "label": "PER"}]',
        )
        return
    parsed: list[tuple[int, int, str]] = []
    for span in spans:
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and label.strip()):
            error(f"span {span} needs integer start and end and a label", "fix the span")
            return
        if not 0 <= start < end <= len(text):
            error(
                f"span {start}-{end} ({label}) is outside the text (0-{len(text)})",
                "character offsets count from 0 and the end is exclusive; fix the span",
            )
            return
        parsed.append((start, end, label.strip()))
    parsed.sort()
    for (s1, e1, l1), (s2, e2, l2) in pairwise(parsed):
        if s2 < e1:
            error(
                f"spans {s1}-{e1} ({l1}) and {s2}-{e2} ({l2}) overlap",
                "keep one of them (NER spans are flat)",
            )
            return
    sentence = from_text(text, cuts=[p for s, e, _ in parsed for p in (s, e)])
    token_spans = []
    for start, end, label in parsed:
        inside = [i for i, (a, b) in enumerate(sentence.offsets) if a >= start and b <= end]
        if not inside:
            error(f"span {start}-{end} ({label}) covers no word", "fix or remove the span")
            return
        token_spans.append(Span(label, inside[0], inside[-1] + 1))
    rows.sentences.append(sentence)
    rows.tags.append(tagging.write_tags(token_spans, len(sentence), tagging.INTERNAL))
    rows.lines.append(line)


def repaired_tags(table: Table, data: DataConfig) -> tuple[list[tuple[list[str], list[str]]], int]:
    """(tokens, tags) of every row with invalid transitions repaired in the file's own scheme; and how many
    rows changed. Call on a table without errors."""
    scheme = scheme_of(table, data)
    fixed, changed = [], 0
    for tokens, tags in zip(table.column(TOKENS), table.column(TAGS), strict=True):
        new = tagging.repair(tags, scheme)
        changed += new != list(tags)
        fixed.append((list(tokens), new))
    return fixed, changed


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
