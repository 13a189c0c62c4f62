"""`Table`: the rows of one data file as columns, with each row's line, whatever the file's format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Table:
    """Rows of one file as columns of values, with the line (csv/tsv/jsonl) or row (parquet) of each."""

    path: Path
    columns: list[str]
    values: dict[str, list[Any]]
    lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> list[Any]:
        return self.values[name]
