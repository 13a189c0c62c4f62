"""Seeded perturbations of test inputs for the robustness probes (`vertune evaluate RUN --robustness`).

Each perturbation rewrites an input the way real users' text differs from clean training data, and keeps the
gold target valid:

- `typos_5` / `typos_10`: each letter or CJK character, with probability 5% / 10%, is deleted, doubled,
  swapped with the next one, or (letters) replaced by a neighbouring key.
- `casing`: the whole text in upper case (what shouted or all-caps fields look like).
- `no_punctuation`: punctuation characters removed (NER: punctuation tokens tagged O dropped).
- `extra_whitespace`: runs of spaces, a tab or a newline between words, and at both ends.
- `full_width` / `half_width`: ASCII letters, digits and marks as their full-width forms (U+FF01-FF5E,
  U+3000 for the space) / the reverse, as East Asian input methods produce them.
- `entity_swap` (NER only): every gold entity replaced by another test entity of the same type and length,
  so the tags stay aligned: does the model read the context or remember names?
- simplified / traditional Chinese: only with a converter (OpenCC) installed; none is, so it is skipped with
  a note.

Text tasks perturb every text of an input (both texts of a pair); NER perturbs tokens one by one, so the
tags stay aligned (`kept` maps the perturbed tokens back to the clean ones when tokens are dropped).
Torch-free; one `random.Random(seed)` per perturbation, so the same run gets the same perturbed set.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vertune.tasks.sentences import Sentence, as_sentence, from_tokens, is_cjk

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
TEXT_PERTURBATIONS = (
    "typos_5",
    "typos_10",
    "casing",
    "no_punctuation",
    "extra_whitespace",
    "full_width",
    "half_width",
)
NER_PERTURBATIONS = (
    "typos_5",
    "typos_10",
    "casing",
    "no_punctuation",
    "full_width",
    "half_width",
    "entity_swap",
)
#: why a perturbation is not run, shown in the report
SKIPPED = {
    "simplified_traditional": "no simplified / traditional Chinese converter is installed (OpenCC); skipped",
}
NER_SKIPPED = {
    "extra_whitespace": "NER inputs reach the model as words: whitespace between them never does",
}


def _neighbours() -> dict[str, str]:
    found: dict[str, str] = {}
    for row in KEYBOARD_ROWS:
        for i, char in enumerate(row):
            found[char] = row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]
    return found


NEIGHBOURS = _neighbours()


def _typable(char: str) -> bool:
    return char.isalpha() or is_cjk(char)


def typos(text: str, rate: float, rng: random.Random) -> str:
    chars, out, i = list(text), [], 0
    while i < len(chars):
        char = chars[i]
        if _typable(char) and rng.random() < rate:
            kind = rng.choice(("delete", "double", "swap", "replace"))
            if kind == "double":
                out += [char, char]
            elif kind == "swap" and i + 1 < len(chars):
                out += [chars[i + 1], char]
                i += 1
            elif kind == "replace" and char.lower() in NEIGHBOURS:
                near = rng.choice(NEIGHBOURS[char.lower()])
                out.append(near.upper() if char.isupper() else near)
            elif kind == "delete":
                pass
            else:
                out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def full_width(text: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def half_width(text: str) -> str:
    return "".join(
        " " if c == "\u3000" else chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text
    )


def extra_whitespace(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    gaps = [rng.choice(("  ", "   ", "\t", " \n ")) for _ in words[1:]]
    joined = words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))
    return "  " + joined + " \n"


def text_perturbation(name: str) -> Callable[[str, random.Random], str]:
    """The function (text, rng) -> text of one perturbation of whole texts."""
    table: dict[str, Callable[[str, random.Random], str]] = {
        "typos_5": lambda t, r: typos(t, 0.05, r),
        "typos_10": lambda t, r: typos(t, 0.10, r),
        "casing": lambda t, r: t.upper(),
        "no_punctuation": lambda t, r: "".join(c for c in t if not is_punctuation(c)),
        "extra_whitespace": extra_whitespace,
        "full_width": lambda t, r: full_width(t),
        "half_width": lambda t, r: half_width(t),
    }
    return table[name]


@dataclass
class Perturbed:
    """A perturbed split: inputs, gold targets (NER tags realigned), the share of inputs that changed, and
    per input the clean token index of each kept token (NER when tokens were dropped; else None)."""

    inputs: list[Any]
    targets: list[Any]
    changed: float
    kept: list[list[int]] | None = None


def perturb_texts(name: str, inputs: Sequence[Any], targets: Sequence[Any], seed: int) -> Perturbed:
    rewrite, rng = text_perturbation(name), random.Random(f"{seed}:{name}")
    out: list[Any] = []
    for item in inputs:
        out.append(
            tuple(rewrite(t, rng) for t in item) if isinstance(item, tuple) else rewrite(str(item), rng)
        )
    changed = sum(a != b for a, b in zip(inputs, out, strict=True)) / max(len(inputs), 1)
    return Perturbed(out, list(targets), changed)


def _entity_pool(
    sentences: Sequence[Sentence], tags: Sequence[Sequence[str]]
) -> dict[tuple[str, int], list[tuple[str, ...]]]:
    from vertune.tasks.tagging import read_spans

    pool: dict[tuple[str, int], set[tuple[str, ...]]] = defaultdict(set)
    for sentence, sentence_tags in zip(sentences, tags, strict=True):
        for span in read_spans(list(sentence_tags), "IOB2")[0]:
            pool[(span.label, span.end - span.start)].add(sentence.tokens[span.start : span.end])
    return {key: sorted(names) for key, names in pool.items()}


def perturb_sentences(
    name: str, inputs: Sequence[Any], targets: Sequence[Sequence[str]], seed: int
) -> Perturbed:
    """NER: tokens rewritten one by one (never emptied), punctuation tokens tagged O dropped, or entities
    swapped for other entities of the same type and length."""
    from vertune.tasks.tagging import read_spans

    rng = random.Random(f"{seed}:{name}")
    sentences = [as_sentence(item) for item in inputs]
    out_inputs: list[Any] = []
    out_tags: list[Any] = []
    kept_all: list[list[int]] = []
    pool = _entity_pool(sentences, targets) if name == "entity_swap" else {}
    for sentence, tags in zip(sentences, targets, strict=True):
        tokens, tags_out = list(sentence.tokens), list(tags)
        kept = list(range(len(tokens)))
        if name == "entity_swap":
            for span in read_spans(list(tags), "IOB2")[0]:
                current = tuple(tokens[span.start : span.end])
                others = [n for n in pool.get((span.label, span.end - span.start), []) if n != current]
                if others:
                    tokens[span.start : span.end] = list(rng.choice(others))
        elif name == "no_punctuation":
            kept = [i for i, t in enumerate(tokens) if not (all(map(is_punctuation, t)) and tags[i] == "O")]
            tokens, tags_out = [tokens[i] for i in kept], [tags[i] for i in kept]
        else:
            rewrite = text_perturbation(name)
            tokens = [rewrite(t, rng) or t for t in tokens]
        out_inputs.append(from_tokens(tokens) if tokens else sentence)
        out_tags.append(tags_out if tokens else list(tags))
        kept_all.append(kept if tokens else list(range(len(sentence.tokens))))
    changed = sum(a.tokens != b.tokens for a, b in zip(sentences, out_inputs, strict=True)) / max(
        len(sentences), 1
    )
    return Perturbed(out_inputs, out_tags, changed, kept_all if name == "no_punctuation" else None)
