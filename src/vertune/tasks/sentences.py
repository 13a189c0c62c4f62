"""A tokenised sentence with each token's character offsets into its original text.

Raw text is split the way token-level training data usually is: one token per CJK character (Chinese,
Japanese kana, Korean syllables), words and single punctuation marks elsewhere. Tokens read from a CoNLL
file are joined back into a text (no space between two CJK characters, one space otherwise), so every
entity has character offsets whatever the input format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{CJK}]|[^\s{CJK}\W]+(?:['’.-][^\s{CJK}\W]+)*|[^\s{CJK}\w]|_+")
_CJK_CHAR = re.compile(rf"[{CJK}]")


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]  # (start, end) of each token in `text`
    text: str

    def __len__(self) -> int:
        return len(self.tokens)

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets of tokens [start, end)."""
        return self.offsets[start][0], self.offsets[end - 1][1]


def is_cjk(token: str) -> bool:
    return bool(token) and all(_CJK_CHAR.fullmatch(char) for char in token)


def from_tokens(tokens: Sequence[str]) -> Sentence:
    """Tokens joined into a text: nothing between two CJK characters, one space otherwise."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for i, token in enumerate(tokens):
        if i and not (is_cjk(tokens[i - 1]) and is_cjk(token)):
            parts.append(" ")
            position += 1
        offsets.append((position, position + len(token)))
        parts.append(token)
        position += len(token)
    return Sentence(tuple(tokens), tuple(offsets), "".join(parts))


def from_text(text: str, cuts: Sequence[int] = ()) -> Sentence:
    """Raw text split into tokens; `cuts` are extra character positions where a token must end
    (the edges of annotated spans, so a span never starts or ends inside a token)."""
    points = sorted(set(cuts))
    tokens: list[str] = []
    offsets: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        inner = [p for p in points if start < p < end]
        for a, b in zip([start, *inner], [*inner, end], strict=True):
            tokens.append(text[a:b])
            offsets.append((a, b))
    return Sentence(tuple(tokens), tuple(offsets), text)


def as_sentence(item: Any) -> Sentence:
    """A model input for NER: a Sentence as is, raw text split into tokens, a token list joined."""
    if isinstance(item, Sentence):
        return item
    if isinstance(item, str):
        return from_text(item)
    return from_tokens([str(token) for token in item])
