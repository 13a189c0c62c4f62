"""What a continued run kept: the retention table (parent and child on every test set of the lineage), the
forgetting (the largest drop on an earlier test set) and the lineage's accuracy matrix (row = model, column =
test set, the continual-learning literature's R) with its backward transfer (Lopez-Paz & Ranzato, 2017: the
mean over earlier test sets of R[last, j] - R[j, j]); every set scored by `set_score` (macro-F1 over the
set's own classes). Drops are signed so that a positive drop is always worse, whichever way the metric
improves. Torch-free."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vertune.evaluate.direction import lower_is_better


def set_score(scores: Mapping[str, Any], metric: str) -> float:
    """The metric a test set of the lineage is judged by: the task's metric, but macro-F1 averaged over the
    set's own (gold) classes where the scores have per-class rows. A model that learnt new classes may
    predict one on an old test set that holds none of them; the task's macro-F1 (sklearn's: the classes in
    gold or predictions) counts each such class as an F1 of 0, so one stray prediction cost a fifth of the
    score on a 4-class set (bench/RESULTS.md, continual). Here that row is still an error: it lowers its
    gold class's recall, as it lowers accuracy."""
    per_class = scores.get("per_class")
    if metric == "macro_f1" and isinstance(per_class, Mapping):
        present = [float(row["f1"]) for row in per_class.values() if int(row.get("support", 0)) > 0]
        if present:
            return sum(present) / len(present)
    return float(scores[metric])


def drop(metric: str, before: float | None, after: float | None) -> float | None:
    """How much worse `after` is than `before` (positive = worse), or None when either is missing."""
    if before is None or after is None:
        return None
    return (after - before) if lower_is_better(metric) else (before - after)


def retention_table(
    parent: Mapping[str, float | None], child: Mapping[str, float]
) -> dict[str, dict[str, float | None]]:
    """{test set: {parent, child, delta = child - parent}} (parent and delta null where the parent could not
    predict the set's labels)."""
    return {
        name: {
            "parent": parent.get(name),
            "child": value,
            "delta": None if parent.get(name) is None else value - float(parent[name] or 0.0),
        }
        for name, value in child.items()
    }


def forgetting(metric: str, table: Mapping[str, Mapping[str, float | None]], new: str) -> float | None:
    """The largest drop from parent to child on an earlier test set (every set but `new`)."""
    drops = [
        d
        for name, row in table.items()
        if name != new and (d := drop(metric, row["parent"], row["child"])) is not None
    ]
    return max(drops) if drops else None


def matrix_rows(
    earlier: Sequence[Mapping[str, Any]],
    parent: tuple[str, str, Mapping[str, float | None]],
    child: tuple[str, str, Mapping[str, float | None]],
) -> list[dict[str, Any]]:
    """The lineage's matrix as rows {model, test_set (its own), scores {test set: value | null}}: the rows the
    parent's metrics.json kept for older models, then the parent (scored now) and the child."""
    rows = [dict(row) for row in earlier[:-1]]  # the parent's own row is replaced by today's scores
    for model, own, scores in (parent, child):
        rows.append({"model": model, "test_set": own, "scores": dict(scores)})
    return rows


def backward_transfer(metric: str, rows: Sequence[Mapping[str, Any]]) -> float | None:
    """Mean over earlier models' own test sets j of R[last, j] - R[j, j], signed so that positive = better."""
    if len(rows) < 2:
        return None
    last = rows[-1]["scores"]
    sign = -1.0 if lower_is_better(metric) else 1.0
    gaps = [
        sign * (last[row["test_set"]] - row["scores"][row["test_set"]])
        for row in rows[:-1]
        if last.get(row["test_set"]) is not None and row["scores"].get(row["test_set"]) is not None
    ]
    return sum(gaps) / len(gaps) if gaps else None
