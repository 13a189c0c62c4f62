"""Raw domain text for pre-training: documents from .txt (one a line), .jsonl / .csv / .tsv / .parquet (one
column), de-duplicated, with a held-out split."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from vertune.data.readers import read_table
from vertune.errors import DataError, Problem

TEXT_SUFFIXES = (".txt", ".text")


@dataclass
class Corpus:
    train: list[str]
    held_out: list[str]
    stats: dict[str, int] = field(default_factory=dict)


def read_documents(path: Path, text_column: str) -> tuple[list[str], int]:
    """The non-empty documents of a file, and how many empty rows were skipped."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        if not path.is_file():
            raise DataError([Problem(str(path), None, "file not found", "check data.train in the recipe")])
        try:
            values: list[object] = list(path.read_text(encoding="utf-8").splitlines())
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise DataError([Problem(str(path), line, "not UTF-8 text", "save the file as UTF-8")]) from None
    else:
        table = read_table(path)
        if text_column not in table.columns:
            raise DataError(
                [
                    Problem(
                        str(path),
                        None,
                        f"no column {text_column!r} (columns: {', '.join(table.columns)})",
                        "set data.text_column to the column that holds the text",
                    )
                ]
            )
        values = table.column(text_column)
    documents = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not documents:
        raise DataError([Problem(str(path), None, "no text in the file", "give one document a line / row")])
    return documents, len(values) - len(documents)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def deduplicate(documents: list[str]) -> list[str]:
    """The first of each group of documents that are equal up to case and whitespace."""
    seen: set[str] = set()
    kept = []
    for document in documents:
        key = _key(document)
        if key not in seen:
            seen.add(key)
            kept.append(document)
    return kept


def load_corpus(
    train: Path,
    validation: Path | None,
    text_column: str,
    validation_size: float,
    dedup: bool,
    seed: int,
) -> Corpus:
    """Train and held-out documents; held-out documents never also appear in train."""
    documents, empty = read_documents(train, text_column)
    stats = {"documents": len(documents), "empty_skipped": empty}
    if dedup:
        unique = deduplicate(documents)
        stats["duplicates_removed"] = len(documents) - len(unique)
        documents = unique
    if validation is not None:
        held_out, _ = read_documents(validation, text_column)
        held_keys = {_key(d) for d in held_out}
        before = len(documents)
        documents = [d for d in documents if _key(d) not in held_keys]
        stats["held_out_overlap_removed"] = before - len(documents)
    else:
        if len(documents) < 2:
            raise DataError(
                [
                    Problem(
                        str(train),
                        None,
                        f"{len(documents)} distinct document(s); a held-out split needs at least 2",
                        "add documents or give data.validation",
                    )
                ]
            )
        order = list(range(len(documents)))
        random.Random(seed).shuffle(order)
        cut = max(1, round(len(documents) * validation_size))
        held_out = [documents[i] for i in sorted(order[:cut])]
        documents = [documents[i] for i in sorted(order[cut:])]
    if not documents:
        raise DataError(
            [
                Problem(
                    str(train), None, "every document is also in the held-out file", "give new text to train"
                )
            ]
        )
    stats.update(train_documents=len(documents), held_out_documents=len(held_out))
    return Corpus(documents, held_out, stats)
