"""Suspect labels and near-duplicates in a recipe's data (`vertune data audit`).

Label issues: out-of-sample class probabilities from K folds (each row is scored by a model that never saw
it; folds keep `data.group_column` groups whole), handed to cleanlab's confident learning and ranked by
cleanlab's label quality score. The model per fold is a TF-IDF (words + character n-grams) + logistic
regression pipeline by default, or a fine-tuned encoder (`--model`, `audit_finetune.py`). Single-label
classes here; label sets (cleanlab `multilabel_classification`) and NER tags (`token_classification`) in
`audit_tasks.py`. Rows of every split are audited, test rows too: the audit only reports, it never drops a
row. Near-duplicates: texts equal after normalising (Unicode NFKC, case, punctuation and spaces), and texts
whose frozen-encoder embeddings are close (`audit_embed.py`), within a split and across splits (leakage), with
whether their labels agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
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
    "match",
    "similarity",
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
    "text_b",
)


@dataclass
class Row:
    split: str
    file: str
    line: int
    text: str
    label: str
    group: str | None = None
    target: Any = None  # the task's target when it is not one class: a label list, a sentence's tags
    item: Any = None  # the task's input (a text, a pair, a Sentence)


@dataclass
class AuditResult:
    rows: Counter[str]  # rows per split
    labels: list[str]
    folds: int
    issues: list[dict[str, Any]] = field(default_factory=list)  # ranked, worst first
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    scorer: str = "TF-IDF + logistic regression"

    def issues_per_split(self) -> Counter[str]:
        return Counter(issue["split"] for issue in self.issues)


#: (rows, y, labels, folds) -> out-of-sample probabilities, one row per row, one column per label
Scorer = Callable[[Sequence[Row], np.ndarray, Sequence[str], Any], np.ndarray]


def audit_rows(
    rows: Sequence[Row],
    folds: int = 5,
    seed: int = 0,
    on_event: Subscriber = ignore,
    scorer: Scorer | None = None,
    scorer_name: str = "TF-IDF + logistic regression",
) -> AuditResult:
    """Label issues (single-label classes) and exact near-duplicate pairs among labelled rows."""
    labels = sorted({r.label for r in rows})
    if len(labels) < 2:
        raise VertuneError("data audit needs at least two classes in the labelled rows")
    y = np.array([labels.index(r.label) for r in rows])
    smallest = min(Counter(y.tolist()).values())
    folds = max(2, min(folds, smallest)) if smallest >= 2 else 2
    on_event(Info(f"audit: {folds}-fold {scorer_name} on {len(rows)} rows, {len(labels)} classes"))
    splitter = fold_splitter(folds, seed, [r.group for r in rows])
    if scorer is None:
        probabilities = out_of_sample_probabilities([r.text for r in rows], y, splitter)
    else:
        probabilities = scorer(rows, y, labels, splitter)
    result = AuditResult(Counter(r.split for r in rows), labels, folds, scorer=scorer_name)
    result.issues = label_issues(rows, y, probabilities, labels)
    result.duplicates = near_duplicates(rows)
    return result


@dataclass
class Folds:
    """K folds over rows, stratified by class where that is possible, groups kept whole."""

    splitter: Any
    groups: list[str | None] | None

    def split(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(self.splitter.split(np.zeros(len(y)), y, self.groups))


def fold_splitter(folds: int, seed: int, groups: Sequence[str | None], stratified: bool = True) -> Folds:
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    if all(g is None for g in groups):
        cv: Any = StratifiedKFold if stratified else KFold
        return Folds(cv(n_splits=folds, shuffle=True, random_state=seed), None)
    named = [str(g) for g in groups]
    n = min(folds, len(set(named)))
    if stratified:
        return Folds(StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed), list(named))
    return Folds(GroupKFold(n_splits=n), list(named))


def out_of_sample_probabilities(texts: list[str], y: np.ndarray, folds: Folds) -> np.ndarray:
    """Each row's class probabilities from a TF-IDF + logistic model fitted on the other folds."""
    from sklearn.model_selection import cross_val_predict

    return np.asarray(
        cross_val_predict(
            tfidf_logistic(), texts, y, cv=folds.splitter, groups=folds.groups, method="predict_proba"
        )
    )


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
        issue(rank, rows[i], rows[i].text, rows[i].label, labels[suggested[i]], quality[i])
        for rank, i in enumerate(ranked, start=1)
    ]


def issue(rank: int, row: Row, text: str, given: str, suggested: str, quality: float) -> dict[str, Any]:
    """One row of the issues CSV (`ISSUE_COLUMNS`)."""
    return {
        "rank": rank,
        "split": row.split,
        "file": row.file,
        "line": row.line,
        "text": text,
        "given": given,
        "suggested": suggested,
        "label_quality": round(float(quality), 4),
    }


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
    pairs = [
        pair_record(rows[members[0]], rows[i], "exact", 1.0)
        for members in by_text.values()
        for i in members[1:]
    ]
    return sort_pairs(pairs)


def sort_pairs(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Across splits first, then different labels first, then the most similar."""
    return sorted(pairs, key=lambda p: (p["where"] != "across", p["same_label"], -p["similarity"]))


def pair_record(first: Row, other: Row, match: str, similarity: float) -> dict[str, Any]:
    return {
        "where": "within" if other.split == first.split else "across",
        "match": match,
        "similarity": similarity,
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
        "text_b": other.text,
    }


def recipe_rows(recipe: Any) -> list[Row]:
    """The recipe's labelled rows per split, as training would split them (seed, groups, redaction)."""
    from vertune.data.prepare import prepare_splits, read_files
    from vertune.data.split import group_lookup
    from vertune.tasks import get_task

    task = get_task(recipe.task, recipe.data)
    if not (task.single_label or recipe.task in ("multilabel", "ner")):
        raise VertuneError(
            f"data audit finds label issues for classes (task classification, or pair with pair_target: "
            f"class), label sets (multilabel) and entity tags (ner), not task {recipe.task}"
        )
    splits = prepare_splits(recipe, task)
    tables = read_files({role: getattr(recipe.data, role) for role in ROLES})
    # by file: a split cut from train keeps the train file's lines
    groups = {str(t.path): group_lookup(t, recipe.data.group_column) for t in tables.values()}
    delimiter = recipe.data.label_delimiter
    rows = []
    for role in ROLES:
        examples = getattr(splits, role)
        lookup = groups[str(examples.source)]
        for item, target, line in zip(examples.inputs, examples.targets, examples.lines, strict=True):
            label = delimiter.join(target) if recipe.task == "multilabel" else str(target)
            if recipe.task == "ner":
                label = " ".join(target)
            rows.append(
                Row(
                    role,
                    str(examples.source),
                    line,
                    task.text_of(item),
                    label,
                    None if lookup is None else lookup[line],
                    target=target,
                    item=item,
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
