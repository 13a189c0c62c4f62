"""PII in data files: count it (`vertune data check --pii`) or write a redacted copy (`vertune data redact`).

csv / tsv / jsonl keep their columns (and jsonl its keys and non-text values); CoNLL files keep every line,
with the token column redacted token by token so the tags still line up. A row (all its columns) or a CoNLL
sentence is one document: the same value gets the same placeholder within it. Values found are never
printed: reports hold counts and line numbers only.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertune.data.pii import DocumentRedactor, Redactor
from vertune.data.readers import SUPPORTED_FORMATS, read_table
from vertune.errors import VertuneError
from vertune.run import write_text_atomic

EXAMPLE_LINES = 5
_FORMATS = ("csv", "tsv", "jsonl", "conll")
Step = Callable[[], Any]


@dataclass
class PiiReport:
    """What was found in one file: matches per type and the first lines holding each type."""

    path: Path
    rows: int = 0
    rows_with_pii: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[int]] = field(default_factory=dict)
    rows_by_type: Counter[str] = field(default_factory=Counter)

    def add(self, line: int, found: Counter[str]) -> None:
        self.rows += 1
        if found:
            self.rows_with_pii += 1
        for kind, n in found.items():
            self.counts[kind] += n
            self.rows_by_type[kind] += 1
            examples = self.lines.setdefault(kind, [])
            if len(examples) < EXAMPLE_LINES and line not in examples:
                examples.append(line)

    def summary(self) -> str:
        """`phone 3 (lines 4, 17, 20), email 1 (line 9)`, or `none found`."""
        if not self.counts:
            return "no personal data found"
        parts = []
        for kind, n in self.counts.most_common():
            lines = self.lines[kind]
            more = ", ..." if self.rows_by_type[kind] > len(lines) else ""
            parts.append(
                f"{kind} {n} (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}{more})"
            )
        return ", ".join(parts)


def file_format(path: Path) -> str:
    kind = SUPPORTED_FORMATS.get(path.suffix.lower())
    if kind not in _FORMATS:
        raise VertuneError(f"{path}: PII redaction reads {', '.join(_FORMATS)} files, not {path.suffix!r}")
    return kind


def scan_file(
    path: str | Path,
    redactor: Redactor,
    columns: Sequence[str] | None = None,
    quiet: bool = True,
) -> PiiReport:
    """Count PII per type in a file's text columns (default: every column), with example line numbers."""
    report, _ = _process(Path(path), redactor, columns, quiet)
    return report


def redact_file(
    path: str | Path,
    output: str | Path,
    redactor: Redactor,
    columns: Sequence[str] | None = None,
    quiet: bool = True,
) -> PiiReport:
    """Write a redacted copy of a file, in the same format and columns; returns what was replaced."""
    path, output = Path(path), Path(output)
    if file_format(output) != file_format(path):
        raise VertuneError(f"{output}: write the redacted copy in the input's format ({path.suffix})")
    if output.resolve() == path.resolve():
        raise VertuneError(f"{output}: is the input file; write the redacted copy to another path")
    report, text = _process(path, redactor, columns, quiet)
    write_text_atomic(output, text)
    return report


def _process(
    path: Path, redactor: Redactor, columns: Sequence[str] | None, quiet: bool
) -> tuple[PiiReport, str]:
    kind = file_format(path)
    table = read_table(path)  # validates the file (encoding, fields per row, JSON) with line numbers
    wanted = list(columns) if columns else None
    if kind == "conll" and wanted and wanted != ["tokens"]:
        raise VertuneError(f"{path}: a CoNLL file's text is its token column; leave out --columns")
    missing = [c for c in wanted or [] if c not in table.columns]
    if kind != "conll" and missing:
        raise VertuneError(
            f"{path}: no column {missing[0]!r}; the file's columns are {', '.join(table.columns)}"
        )
    from tqdm.auto import tqdm

    # a bar for files big enough to wait for
    with tqdm(total=len(table), desc="personal data", unit="row", disable=quiet or len(table) < 2000) as bar:
        step = bar.update
        if kind == "conll":
            return _conll(path, redactor, step)
        if kind == "jsonl":
            return _jsonl(path, redactor, wanted, step)
        delimiter = "\t" if kind == "tsv" else ","
        return _delimited(path, table, redactor, wanted or table.columns, delimiter, step)


def _delimited(
    path: Path, table: Any, redactor: Redactor, columns: Sequence[str], delimiter: str, step: Step
) -> tuple[PiiReport, str]:
    report = PiiReport(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.columns)
    redactor.prefetch(v for c in columns if c in table.values for v in table.values[c] if isinstance(v, str))
    for i, line in enumerate(table.lines):
        doc = DocumentRedactor(redactor)
        before = Counter(redactor.counts)
        row = [table.values[c][i] for c in table.columns]
        writer.writerow(
            [
                doc.redact(v) if c in columns and isinstance(v, str) else v
                for c, v in zip(table.columns, row, strict=True)
            ]
        )
        report.add(line, redactor.counts - before)
        step()
    return report, buffer.getvalue()


def _jsonl(
    path: Path, redactor: Redactor, columns: Sequence[str] | None, step: Step
) -> tuple[PiiReport, str]:
    report = PiiReport(path)
    out: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            out.append(line)
            continue
        record = json.loads(line)
        doc = DocumentRedactor(redactor)
        before = Counter(redactor.counts)
        for key, value in record.items():
            if columns is None or key in columns:
                record[key] = _redact_value(doc, value)
        out.append(json.dumps(record, ensure_ascii=False))
        report.add(number, redactor.counts - before)
        step()
    return report, "\n".join(out) + "\n"


def _redact_value(doc: DocumentRedactor, value: Any) -> Any:
    if isinstance(value, str):
        return doc.redact(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return doc.redact_tokens(value)  # a token list (NER): one value per token stays
    return value


def _conll(path: Path, redactor: Redactor, step: Step) -> tuple[PiiReport, str]:
    report = PiiReport(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    block: list[int] = []  # indices of the current sentence's token lines

    def flush() -> None:
        if not block:
            return
        tokens = [lines[i].split()[0] for i in block]
        doc = DocumentRedactor(redactor)
        before = Counter(redactor.counts)
        for i, old, new in zip(block, tokens, doc.redact_tokens(tokens), strict=True):
            at = lines[i].index(old)
            lines[i] = lines[i][:at] + new + lines[i][at + len(old) :]
        report.add(block[0] + 1, redactor.counts - before)
        step()
        block.clear()

    for i, line in enumerate(lines):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            flush()
        else:
            block.append(i)
    flush()
    return report, "\n".join(lines) + "\n"
