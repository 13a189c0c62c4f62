"""Readers for csv, tsv, jsonl, parquet (and CoNLL, in data/conll.py) that keep each row's line number for error messages.

Values are read as text (no type guessing: "NA" stays the string "NA"); a bad file raises a DataError
naming the file and line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from vertune.data.conll import read_conll
from vertune.data.table import Table
from vertune.errors import DataError, Problem

SUPPORTED_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    # token classification (vertune.data.conll)
    ".conll": "conll",
    ".conllu": "conll",
    ".bio": "conll",
    ".iob": "conll",
}


def read_table(path: str | Path) -> Table:
    path = Path(path)
    if not path.is_file():
        raise DataError(
            [Problem(str(path), None, "file not found", "check the path in the recipe or command")]
        )
    kind = SUPPORTED_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            [
                Problem(
                    str(path),
                    None,
                    f"unsupported file type {path.suffix!r}",
                    f"use one of {', '.join(sorted(SUPPORTED_FORMATS))}",
                )
            ]
        )
    if kind == "parquet":
        table = _read_parquet(path)
    else:
        text = _decode_utf8(path)
        if kind == "conll":
            table = read_conll(path, text)
        else:
            table = _read_jsonl(path, text) if kind == "jsonl" else _read_delimited(path, text, kind)
    if len(table) == 0:
        raise DataError([Problem(str(path), None, "the file has no data rows", "add rows below the header")])
    return table


def _decode_utf8(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            [
                Problem(
                    str(path),
                    line,
                    f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {column})",
                    "re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`)",
                )
            ]
        ) from None


def _read_delimited(path: Path, text: str, kind: str) -> Table:
    delimiter = "\t" if kind == "tsv" else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(
            [Problem(str(path), None, "the file is empty", "add a header row and data rows")]
        ) from None
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(
            [
                Problem(
                    str(path),
                    1,
                    f"column {repeated[0]!r} appears {header.count(repeated[0])} times in the header",
                    "give every column its own name",
                )
            ]
        )
    values: dict[str, list[Any]] = {name: [] for name in header}
    lines: list[int] = []
    problems: list[Problem] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                start = reader.line_num + 1
                continue  # blank line
            if len(record) != len(header):
                problems.append(
                    Problem(
                        str(path),
                        start,
                        f"{len(record)} fields but the header has {len(header)}",
                        f"quote values that contain {'a tab' if kind == 'tsv' else 'commas'} or fix the row",
                    )
                )
            else:
                for name, cell in zip(header, record, strict=True):
                    values[name].append(cell)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(str(path), reader.line_num, f"malformed {kind}: {exc}", "fix the quoting"))
    if problems:
        raise DataError(problems)
    return Table(path, header, values, lines)


def _read_jsonl(path: Path, text: str) -> Table:
    values: dict[str, list[Any]] = {}
    lines: list[int] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(str(path), number, f"not valid JSON ({exc.msg})", "write one JSON object a line")
            )
            continue
        if not isinstance(record, dict):
            problems.append(
                Problem(str(path), number, "not a JSON object", 'write {"text": ..., "label": ...}')
            )
            continue
        row = len(lines)
        for key in record:
            values.setdefault(key, [None] * row)
        for key, column in values.items():
            column.append(record.get(key))
        lines.append(number)
    if problems:
        raise DataError(problems)
    return Table(path, list(values), values, lines)


def _read_parquet(path: Path) -> Table:
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(
            [Problem(str(path), None, f"cannot read parquet ({exc})", "re-export the file")]
        ) from None
    values = arrow.to_pydict()
    return Table(path, list(values), values, list(range(1, arrow.num_rows + 1)))
