"""Writing a table of rows back to a file (`vertune predict --file`): csv, tsv or jsonl by suffix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.errors import VertuneError
from vertune.run import write_text_atomic


def write_frame(frame: Any, path: Path) -> None:
    """A pandas DataFrame to `path`, atomically, in the format its suffix names."""
    writers = {
        ".csv": lambda: frame.to_csv(index=False),
        ".tsv": lambda: frame.to_csv(index=False, sep="\t"),
        ".jsonl": lambda: frame.to_json(orient="records", lines=True, force_ascii=False),
    }
    if path.suffix.lower() not in writers:
        raise VertuneError(f"{path}: unsupported output type; use one of {', '.join(writers)}")
    write_text_atomic(path, writers[path.suffix.lower()]())
