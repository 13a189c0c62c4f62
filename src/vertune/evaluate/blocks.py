"""The building blocks of every document vertune writes (run report, compressed run, method comparison).

Plain data: a section builds a list of blocks, a renderer (render.py) writes them as Markdown or HTML.
Text is plain text; the renderers escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    highlight: bool = False


@dataclass(frozen=True)
class Table:
    """Cells are already formatted text. `align` has one letter per column, "l" or "r"; by default the
    first column is left-aligned and the others (numbers) right-aligned."""

    header: list[str]
    rows: list[list[str]]
    align: str = ""

    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.header) - 1)


@dataclass(frozen=True)
class Image:
    path: Path  # the PNG on disk (embedded in HTML)
    target: str  # its path relative to the document (linked from Markdown)
    caption: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Highlighted:
    """A text with weighted character spans (token attributions): `spans` = [(start, end, weight)], weight
    in [-1, 1]; HTML shades each span (green for, red against), Markdown lists the strongest."""

    text: str
    spans: list[tuple[int, int, float]]
    caption: str = ""


Block = Heading | Paragraph | Table | Image | Bullets | Code | Highlighted
