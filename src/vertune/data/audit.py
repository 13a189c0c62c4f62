"""Suspect labels and near-duplicates in a recipe's data (`vertune data audit`).

Label issues: out-of-sample class probabilities from K folds of a TF-IDF (words + character n-grams) +
logistic regression pipeline (`cross_val_predict`: each row is scored by a model that never saw it; folds
keep `data.group_column` groups whole), handed to cleanlab's `find_label_issues` (confident learning) and
ranked by cleanlab's label quality score. Rows of every split are audited, test rows too: the audit only
reports, it never drops a row. Near-duplicates: texts equal after normalising (Unicode NFKC, case,
punctuation and spaces), within a split and across splits (leakage), with whether their labels agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, ignore

ROLES = ("train", "validation", "test")
ISSUE_COLUMNS = ("rank", "split", "file", "line", "text", "given", "suggested", "label_quality")
DUPLICATE_COLUMNS = (
    "where",
    "split_a",
    "file_a",
    "line_a",
    "label_a",
    "split_b",
    "file_b",
    "line_b",
    "label_b",
    "same_label",
    "text",
)


@dataclass
class Row:
    split: str
    file: str
    line: int
    text: str
    label: str
    group: str | None = None


@dataclass
class AuditResult:
    rows: Counter[str]  # rows per split
    labels: list[str]
    folds: int
    issues: list[dict[str, Any]] = field(default_factory=list)  # ranked, worst first
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def issues_per_split(self) -> Counter[str]:
        return Counter(issue["split"] for issue in self.issues)


def audit_rows(
    rows: Sequence[Row], folds: int = 5, seed: int = 0, on_event: Subscriber = ignore
) -> AuditResult:
    """Label issues and near-duplicate pairs among labelled rows."""
    labels = sorted({r.label for r in rows})
    if len(labels) < 2:
        raise VertuneError("data audit needs at least two classes in the labelled rows")
    y = np.array([labels.index(r.label) for r in rows])
    smallest = min(Counter(y.tolist()).values())
    folds = max(2, min(folds, smallest)) if smallest >= 2 else 2
    on_event(
        Info(f"audit: {folds}-fold TF-IDF + logistic regression on {len(rows)} rows, {len(labels)} classes")
    )
    probabilities = out_of_sample_probabilities(
        [r.text for r in rows], y, folds, seed, [r.group for r in rows] if rows[0].group is not None else None
    )
    result = AuditResult(Counter(r.split for r in rows), labels, folds)
    result.issues = label_issues(rows, y, probabilities, labels)
    result.duplicates = near_duplicates(rows)
    return result


def out_of_sample_probabilities(
    texts: list[str], y: np.ndarray, folds: int, seed: int, groups: list[str | None] | None = None
) -> np.ndarray:
    """Each row's class probabilities from a model fitted on the other folds."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

    model = tfidf_logistic()
    if groups is not None:
        cv: Any = StratifiedGroupKFold(n_splits=min(folds, len(set(groups))), shuffle=True, random_state=seed)
    else:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return np.asarray(cross_val_predict(model, texts, y, cv=cv, groups=groups, method="predict_proba"))


def tfidf_logistic() -> Any:
    """The audit's model: TF-IDF of words (1-2) and characters (2-4, for Chinese too) + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=100_000)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
        ]
    )
    return make_pipeline(features, LogisticRegression(max_iter=2000))


def label_issues(
    rows: Sequence[Row], y: np.ndarray, probabilities: np.ndarray, labels: Sequence[str]
) -> list[dict[str, Any]]:
    """cleanlab's label issues, ranked by label quality (lowest first)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    quality = get_label_quality_scores(y, probabilities)
    ranked = find_label_issues(y, probabilities, return_indices_ranked_by="self_confidence")
    suggested = probabilities.argmax(axis=1)
    return [
        {
            "rank": rank,
            "split": rows[i].split,
            "file": rows[i].file,
            "line": rows[i].line,
            "text": rows[i].text,
            "given": rows[i].label,
            "suggested": labels[suggested[i]],
            "label_quality": round(float(quality[i]), 4),
        }
        for rank, i in enumerate(ranked, start=1)
    ]


def normalise(text: str) -> str:
    """Lower case, NFKC, punctuation and runs of spaces as one space: near-duplicates compare equal."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def near_duplicates(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Pairs of rows whose normalised texts are equal: each later row against the first one. Pairs across
    splits (leakage) first."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        key = normalise(row.text)
        if key:
            by_text[key].append(i)
    pairs = []
    for members in by_text.values():
        first = rows[members[0]]
        for other in (rows[i] for i in members[1:]):
            pairs.append(
                {
                    "where": "within" if other.split == first.split else "across",
                    "split_a": first.split,
                    "file_a": first.file,
                    "line_a": first.line,
                    "label_a": first.label,
                    "split_b": other.split,
                    "file_b": other.file,
                    "line_b": other.line,
                    "label_b": other.label,
                    "same_label": first.label == other.label,
                    "text": first.text,
                }
            )
    return sorted(pairs, key=lambda p: (p["where"] != "across", p["same_label"]))


def recipe_rows(recipe: Any) -> list[Row]:
    """The recipe's labelled rows per split, as training would split them (seed, groups, redaction)."""
    from vertune.data.prepare import prepare_splits, read_files
    from vertune.data.split import group_lookup
    from vertune.tasks import get_task

    task = get_task(recipe.task, recipe.data)
    if not task.single_label:
        raise VertuneError(
            f"data audit finds label issues for single-label classes (task classification, or pair with "
            f"pair_target: class), not task {recipe.task}"
        )
    splits = prepare_splits(recipe, task)
    tables = read_files({role: getattr(recipe.data, role) for role in ROLES})
    # by file: a split cut from train keeps the train file's lines
    groups = {str(t.path): group_lookup(t, recipe.data.group_column) for t in tables.values()}
    rows = []
    for role in ROLES:
        examples = getattr(splits, role)
        lookup = groups[str(examples.source)]
        for item, target, line in zip(examples.inputs, examples.targets, examples.lines, strict=True):
            rows.append(
                Row(
                    role,
                    str(examples.source),
                    line,
                    task.text_of(item),
                    str(target),
                    None if lookup is None else lookup[line],
                )
            )
    return rows


def write_csv(path: Path, columns: Sequence[str], records: Sequence[dict[str, Any]]) -> None:
    import csv
    import io

    from vertune.run import write_text_atomic

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, buffer.getvalue())
