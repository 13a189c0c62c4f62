"""Multi-label classification: any number of labels per text. One sigmoid output per label, BCE loss, and a
decision threshold per label tuned on the validation split (kept in the run's task.json and used by evaluate
and predict). Micro / macro F1 and a per-label report.

Labels come as a list (a jsonl list, or a JSON list in a text cell such as `["a", "b"]`) or as a string
separated by `data.label_delimiter` (`a|b`). Every row needs at least one label.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# sklearn.metrics is imported where scores are computed: `vertune predict` never needs it (start-up time).
from vertune.data.readers import Table
from vertune.data.validate import ROWS_SHOWN_PER_PROBLEM, DataReport, is_missing, validate_texts
from vertune.errors import Problem
from vertune.recipe import DataConfig
from vertune.tasks.base import Examples, Predictions
from vertune.tasks.text import TextTask, sequence_head

DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.1, 0.91, 0.05))
# Below this many validation positives a label keeps the default: a threshold tuned on two or three examples
# overfits them (seen on drug reviews: 0.05 for a label with 4 positives in 30 rows, predicted for every row).
MIN_POSITIVES_TO_TUNE = 5


def parse_labels(value: Any, delimiter: str) -> list[str]:
    """The labels of one cell, in order, without duplicates or empty parts."""
    if is_missing(value):
        return []
    if isinstance(value, str) and value.strip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    parts = value if isinstance(value, list) else str(value).split(delimiter)
    return list(dict.fromkeys(str(p).strip() for p in parts if not is_missing(p) and str(p).strip()))


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))


class MultilabelTask(TextTask):
    name = "multilabel"
    label_dtype = "float32"

    def __init__(self, data: DataConfig | None = None):
        super().__init__(data)
        self.delimiter = data.label_delimiter if data is not None else "|"
        self.thresholds: dict[str, float] = {}

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        report, usable = validate_texts(
            splits, self.text_columns(data), data.label_column, count_tokens, max_length
        )
        counts = {role: self._label_counts(table, data.label_column) for role, table in usable.items()}
        for role, table in usable.items():
            report.problems += self._empty_lists(table, data.label_column)
            report.stats[role]["classes"] = dict(counts[role].most_common())
        known = set(labels) if labels is not None else set(counts["train"]) if "train" in counts else None
        if known is not None:
            for role, table in usable.items():
                if role != "train" or labels is not None:
                    report.problems += self._unknown_labels(table, data.label_column, known)
        return report

    def _label_counts(self, table: Table, column: str) -> Counter[str]:
        return Counter(
            label for value in table.column(column) for label in parse_labels(value, self.delimiter)
        )

    def _empty_lists(self, table: Table, column: str) -> list[Problem]:
        # An empty cell is reported by the shared checks; here: cells that hold no label, like "[]" or "|".
        lines = [
            line
            for line, value in zip(table.lines, table.column(column), strict=True)
            if not is_missing(value) and not parse_labels(value, self.delimiter)
        ]
        return [
            Problem(
                str(table.path),
                line,
                f"empty label list in column {column!r}",
                f"give at least one label (a list, or labels separated by {self.delimiter!r}) or delete the row",
            )
            for line in lines[:ROWS_SHOWN_PER_PROBLEM]
        ]

    def _unknown_labels(self, table: Table, column: str, known: set[str]) -> list[Problem]:
        first: dict[str, int] = {}
        for line, value in zip(table.lines, table.column(column), strict=True):
            for label in parse_labels(value, self.delimiter):
                first.setdefault(label, line)
        return [
            Problem(
                str(table.path),
                line,
                f"label {label!r} does not occur in the training data",
                "add training examples of it or remove it (a model cannot predict a label it never saw)",
            )
            for label, line in first.items()
            if label not in known
        ]

    def examples(self, table: Table, data: DataConfig) -> Examples:
        targets = [parse_labels(v, self.delimiter) for v in table.column(data.label_column)]
        return Examples(table.path, self.inputs(table, data), targets, list(table.lines))

    def stratify_key(self, examples: Examples) -> list[str]:
        # Stratify by each row's rarest label: keeps rare labels in every split as far as possible.
        counts = Counter(label for labels in examples.targets for label in labels)
        return [min(labels, key=lambda label: (counts[label], label)) for labels in examples.targets]

    def labels(self, train: Examples) -> list[str]:
        return sorted({label for labels in train.targets for label in labels})

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        counts = Counter(label for labels in examples.targets for label in labels)
        per_row = [len(labels) for labels in examples.targets]
        return {
            "classes": dict(counts.most_common()),
            "labels_per_row": round(float(np.mean(per_row)), 3) if per_row else 0.0,
        }

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        return sequence_head(model_path, labels, "multi_label_classification", **load_options)

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification.from_pretrained(model_dir)

    def multi_hot(self, targets: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
        index = {label: i for i, label in enumerate(labels)}
        hot = np.zeros((len(targets), len(labels)), dtype=np.float32)
        for row, names in enumerate(targets):
            hot[row, [index[n] for n in names if n in index]] = 1.0
        return hot

    def target_values(self, examples: Examples, labels: Sequence[str]) -> list[Any]:
        return self.multi_hot(examples.targets, labels).tolist()

    # --- thresholds -------------------------------------------------------------------------------

    def threshold_array(self, labels: Sequence[str]) -> np.ndarray:
        return np.array([self.thresholds.get(label, DEFAULT_THRESHOLD) for label in labels])

    def tune(self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]) -> None:
        """Per label, the threshold with the best F1 on these (validation) predictions; 0.5 wins ties and
        stays for a label with fewer than MIN_POSITIVES_TO_TUNE positives."""
        probabilities = sigmoid(np.asarray(predictions, dtype=np.float64))
        truth = self.multi_hot(targets, labels).astype(bool)
        thresholds = {}
        for i, label in enumerate(labels):
            best, best_f1 = DEFAULT_THRESHOLD, self._f1(truth[:, i], probabilities[:, i] >= DEFAULT_THRESHOLD)
            if truth[:, i].sum() >= MIN_POSITIVES_TO_TUNE:
                for threshold in THRESHOLD_GRID:
                    f1 = self._f1(truth[:, i], probabilities[:, i] >= threshold)
                    if f1 > best_f1 + 1e-12:
                        best, best_f1 = threshold, f1
            thresholds[label] = float(best)
        self.thresholds = thresholds

    @staticmethod
    def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
        tp = float(np.sum(truth & predicted))
        return 2 * tp / max(float(truth.sum() + predicted.sum()), 1.0)

    def state(self) -> dict[str, Any]:
        return {"thresholds": dict(self.thresholds)}

    def load_state(self, state: dict[str, Any]) -> None:
        self.thresholds = {str(k): float(v) for k, v in state.get("thresholds", {}).items()}

    def decisions(self, predictions: Predictions, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, yes/no per label) of merged logits."""
        probabilities = sigmoid(
            np.asarray(predictions, dtype=np.float64).reshape(len(predictions), len(labels))
        )
        return probabilities, probabilities >= self.threshold_array(labels)

    # --- metrics ----------------------------------------------------------------------------------

    def _scores(self, predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
        from sklearn.metrics import precision_recall_fscore_support

        result = {
            "subset_accuracy": float(np.mean(np.all(predicted == truth, axis=1))) if len(truth) else 0.0
        }
        _, _, f, _ = precision_recall_fscore_support(truth, predicted, average="samples", zero_division=0)
        result["samples_f1"] = float(f)
        for average in ("micro", "macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(truth, predicted, average=average, zero_division=0)
            result |= {
                f"{average}_precision": float(p),
                f"{average}_recall": float(r),
                f"{average}_f1": float(f),
            }
        return result

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        _, predicted = self.decisions(predictions, labels)
        return self._scores(predicted.astype(int), np.asarray(label_ids).round().astype(int))

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        _, predicted = self.decisions(predictions, labels)
        return self._scores(predicted.astype(int), self.multi_hot(targets, labels).astype(int))

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        from sklearn.metrics import precision_recall_fscore_support

        _, predicted = self.decisions(predictions, labels)
        truth = self.multi_hot(targets, labels).astype(int)
        p, r, f, support = precision_recall_fscore_support(
            truth, predicted.astype(int), average=None, zero_division=0
        )
        thresholds = self.threshold_array(labels)
        per_class = {
            label: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(support[i]),
                "predicted": int(predicted[:, i].sum()),
                "threshold": float(thresholds[i]),
            }
            for i, label in enumerate(labels)
        }
        return {**self._scores(predicted.astype(int), truth), "per_class": per_class, "examples": len(truth)}

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {
            "prediction": self.delimiter.join(prediction["labels"]),
            "scores": json.dumps({k: round(v, 6) for k, v in prediction["scores"].items()}),
        }

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        probabilities, predicted = self.decisions(predictions, labels)
        return [
            {
                "labels": [label for label, yes in zip(labels, chosen, strict=True) if yes],
                "scores": {label: float(s) for label, s in zip(labels, row, strict=True)},
            }
            for row, chosen in zip(probabilities, predicted, strict=True)
        ]

    # --- baselines: one logistic regression per label on the baseline's features ------------------------

    def baseline_targets(self, examples: Examples, labels: Sequence[str]) -> np.ndarray:
        return self.multi_hot(examples.targets, labels).astype(int)

    def baseline_estimator(self, strength: float) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        return OneVsRestClassifier(LogisticRegression(C=strength, max_iter=2000))

    def baseline_predictions(self, estimator: Any, x: Any, labels: Sequence[str]) -> np.ndarray:
        """Logits, like the model's (the thresholds apply to their sigmoid)."""
        probabilities = np.clip(np.asarray(estimator.predict_proba(x), dtype=np.float64), 1e-7, 1 - 1e-7)
        return np.log(probabilities / (1 - probabilities))
