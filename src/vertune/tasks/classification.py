"""Single-label text classification: a sequence-classification head, cross-entropy, macro-F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# sklearn.metrics is imported where scores are computed: `vertune predict` never needs it (start-up time).
from vertune.data.readers import Table
from vertune.data.validate import DataReport, as_label, check_known_labels, validate_classification
from vertune.recipe import DataConfig
from vertune.tasks.base import Examples, Predictions
from vertune.tasks.text import TextTask, sequence_head


class ClassificationTask(TextTask):
    name = "classification"
    single_label = True

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        report = validate_classification(
            splits, self.text_columns(data), data.label_column, count_tokens, max_length
        )
        if labels is not None and not report.errors:
            for table in splits.values():
                report.problems += check_known_labels(table, data.label_column, set(labels))
        return report

    def examples(self, table: Table, data: DataConfig) -> Examples:
        labels = [as_label(v) for v in table.column(data.label_column)]
        return Examples(table.path, self.inputs(table, data), labels, list(table.lines))

    def stratify_key(self, examples: Examples) -> list[str]:
        return list(examples.targets)

    def labels(self, train: Examples) -> list[str]:
        return sorted(set(train.targets))

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        return {"classes": dict(Counter(examples.targets).most_common())}

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        return sequence_head(model_path, labels, "single_label_classification", **load_options)

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModelForSequenceClassification

        from vertune.models.loading import load_saved_model

        return load_saved_model(model_dir, AutoModelForSequenceClassification)

    def target_ids(self, targets: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
        index = {label: i for i, label in enumerate(labels)}
        return np.array([index[t] for t in targets], dtype=np.int64)

    def target_values(self, examples: Examples, labels: Sequence[str]) -> list[Any]:
        return [int(i) for i in self.target_ids(examples.targets, labels)]

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        return self._scores(np.asarray(predictions), np.asarray(label_ids), labels)

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        return self._scores(np.asarray(predictions), self.target_ids(targets, labels), labels)

    def _scores(self, logits: np.ndarray, target_ids: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
        from sklearn.metrics import accuracy_score, precision_recall_fscore_support

        predicted = logits.argmax(axis=-1)
        ids = list(range(len(labels)))
        result: dict[str, float] = {"accuracy": float(accuracy_score(target_ids, predicted))}
        for average in ("macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(
                target_ids, predicted, labels=ids, average=average, zero_division=0
            )
            result |= {
                f"{average}_precision": float(p),
                f"{average}_recall": float(r),
                f"{average}_f1": float(f),
            }
        return result

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        logits, target_ids = np.asarray(predictions), self.target_ids(targets, labels)
        predicted = logits.argmax(axis=-1)
        ids = list(range(len(labels)))
        p, r, f, support = precision_recall_fscore_support(
            target_ids, predicted, labels=ids, average=None, zero_division=0
        )
        per_class = {
            label: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        }
        matrix = confusion_matrix(target_ids, predicted, labels=ids).tolist()
        return {
            **self._scores(logits, target_ids, labels),
            "per_class": per_class,
            "confusion_matrix": {"labels": list(labels), "matrix": matrix},
            "examples": len(target_ids),
        }

    # --- baselines (evaluate/baselines.py): a logistic regression on the baseline's features ------------

    def baseline_targets(self, examples: Examples, labels: Sequence[str]) -> np.ndarray:
        return self.target_ids(examples.targets, labels)

    def baseline_estimator(self, strength: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=strength, max_iter=2000)

    def baseline_predictions(self, estimator: Any, x: Any, labels: Sequence[str]) -> np.ndarray:
        """Class probabilities at their label ids (predict_proba covers only the classes seen in training)."""
        probabilities = estimator.predict_proba(x)
        full = np.zeros((probabilities.shape[0], len(labels)))
        full[:, estimator.classes_] = probabilities
        return full

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {"prediction": prediction["label"], "score": round(prediction["score"], 6)}

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        logits = np.asarray(predictions, dtype=np.float64)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
        best = probabilities.argmax(axis=-1)
        return [
            {
                "label": labels[i],
                "score": float(row[i]),
                "scores": {lab: float(s) for lab, s in zip(labels, row, strict=True)},
            }
            for i, row in zip(best, probabilities, strict=True)
        ]
