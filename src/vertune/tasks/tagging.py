"""Tag schemes (BIO / IOB2 / BIOES / BMES), entity spans, repair, and constrained (Viterbi) decoding.

Inside vertune every sequence is IOB2 (`B-X` starts an entity, `I-X` continues it). Files in another scheme
are read into spans and written back in their own scheme. Invalid sequences are read the way seqeval reads
them in its default mode: an `I-X` that does not continue an `X` entity starts a new one (and in BIOES / BMES an
`E-X` without its `B-X` is a one-token entity), so `repair` is "read leniently, write strictly".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SCHEMES = ("BIO", "IOB2", "BIOES", "BMES")
INTERNAL = "IOB2"
# Prefixes each scheme allows (besides the bare "O").
PREFIXES = {"BIO": "BI", "IOB2": "BI", "BIOES": "BIES", "BMES": "BMES"}


@dataclass(frozen=True)
class Span:
    """An entity over tokens [start, end)."""

    label: str
    start: int
    end: int


def split_tag(tag: str) -> tuple[str, str]:
    """("B", "PER") for "B-PER", ("O", "") for "O"; a tag without a prefix gives ("", tag)."""
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or len(prefix) != 1 or not label:
        return "", tag
    return prefix, label


def detect_scheme(tags: Iterable[str]) -> str:
    """The scheme whose prefixes the tags use: BMES if any M-, BIOES if any E- / S-, else IOB2."""
    prefixes = {split_tag(tag)[0] for tag in tags}
    if "M" in prefixes:
        return "BMES"
    if prefixes & {"E", "S"}:
        return "BIOES"
    return INTERNAL


def bad_prefix(tag: str, scheme: str) -> str | None:
    """Why `tag` cannot occur in `scheme`, or None when it can."""
    prefix, _ = split_tag(tag)
    if prefix == "O":
        return None
    allowed = PREFIXES[scheme]
    if not prefix or prefix not in allowed:
        shown = ", ".join(f"{p}-" for p in allowed)
        return f"tag {tag!r} has no {scheme} prefix (allowed: {shown} and O)"
    return None


def read_spans(tags: Sequence[str], scheme: str) -> tuple[list[Span], list[int]]:
    """Entities of a tag sequence, read leniently, and the positions that break the scheme's rules."""
    closing = scheme in ("BIOES", "BMES")  # entities must end with E- (or be S-)
    spans: list[Span] = []
    invalid: list[int] = []
    open_label, open_start = None, 0

    def close(at: int, broken: bool) -> None:
        nonlocal open_label
        if open_label is not None:
            spans.append(Span(open_label, open_start, at))
            if broken and closing:
                invalid.append(at - 1)
        open_label = None

    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag)
        prefix = "I" if prefix == "M" else prefix
        if prefix == "I" and open_label == label:
            continue
        if prefix == "E" and open_label == label:
            open_label = None
            spans.append(Span(label, open_start, i + 1))
            continue
        close(i, broken=True)
        if prefix in ("B", "I"):
            open_label, open_start = label, i
            if prefix == "I":
                invalid.append(i)
        elif prefix in ("S", "E"):
            spans.append(Span(label, i, i + 1))
            if prefix == "E":
                invalid.append(i)
    close(len(tags), broken=True)
    return spans, invalid


def write_tags(spans: Iterable[Span], length: int, scheme: str) -> list[str]:
    """A tag sequence in `scheme` for non-overlapping spans."""
    tags = ["O"] * length
    inside = "M" if scheme == "BMES" else "I"
    for span in spans:
        if scheme in ("BIOES", "BMES"):
            if span.end - span.start == 1:
                tags[span.start] = f"S-{span.label}"
                continue
            tags[span.end - 1] = f"E-{span.label}"
            last = span.end - 1
        else:
            last = span.end
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, last):
            tags[i] = f"{inside}-{span.label}"
    return tags


def convert(tags: Sequence[str], source: str, target: str = INTERNAL) -> list[str]:
    """Tags in `source` rewritten in `target` (invalid sequences repaired on the way)."""
    return write_tags(read_spans(tags, source)[0], len(tags), target)


def repair(tags: Sequence[str], scheme: str) -> list[str]:
    """The same scheme, with every invalid transition fixed the way seqeval reads it."""
    return convert(tags, scheme, scheme)


def tag_labels(entity_types: Iterable[str]) -> list[str]:
    """The IOB2 label set of the model, in id order: O, then B- and I- of each type."""
    return ["O", *(f"{prefix}-{kind}" for kind in sorted(set(entity_types)) for prefix in "BI")]


def transition_mask(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Allowed IOB2 moves: (start[j], move[i, j]); `I-X` only at a continuation of `B-X` / `I-X`."""
    parts = [split_tag(label) for label in labels]
    start = np.array([prefix != "I" for prefix, _ in parts])
    move = np.array(
        [
            [cur != "I" or (prev in ("B", "I") and prev_label == label) for cur, label in parts]
            for prev, prev_label in parts
        ]
    )
    return start, move


def viterbi(log_probs: np.ndarray, labels: Sequence[str]) -> list[int]:
    """The best label path under IOB2 rules: never an `I-X` after `O` or after another type."""
    if len(log_probs) == 0:
        return []
    start, move = transition_mask(labels)
    forbidden = -1e9
    transitions = np.where(move, 0.0, forbidden)
    score = log_probs[0] + np.where(start, 0.0, forbidden)
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for t in range(1, len(log_probs)):
        candidates = score[:, None] + transitions  # [previous, current]
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(len(log_probs) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
