"""Regression of a number from a text: a one-output head, MSE on standardised targets, RMSE / MAE / Pearson /
Spearman in the label's own units.

The targets are standardised with the training split's mean and standard deviation (kept in the run's
task.json), so the loss does not depend on the label's scale; predictions are put back in the original units
before any metric or output.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import ROWS_SHOWN_PER_PROBLEM, DataReport, is_missing, validate_texts
from vertune.errors import Problem
from vertune.recipe import DataConfig
from vertune.tasks.base import Examples, Predictions
from vertune.tasks.text import TextTask, sequence_head

# How many (true, predicted) points metrics.json keeps for the scatter plot.
SCATTER_POINTS = 2000
# Quantile bins used to stratify splits of a numeric target.
STRATA = 5


def parse_number(value: Any) -> float | None:
    """A finite number from a cell (int, float or numeric text), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def check_numbers(table: Table, column: str) -> list[Problem]:
    """An error for each non-empty cell of `column` that is not a finite number (the first few, then a count)."""
    bad = [
        (line, value)
        for line, value in zip(table.lines, table.column(column), strict=True)
        if not is_missing(value) and parse_number(value) is None
    ]
    problems = [
        Problem(
            str(table.path),
            line,
            f"label {value!r} in column {column!r} is not a number",
            "a regression label is a number such as 7 or 3.5; fix the cell or delete the row",
        )
        for line, value in bad[:ROWS_SHOWN_PER_PROBLEM]
    ]
    if len(bad) > ROWS_SHOWN_PER_PROBLEM:
        rest = len(bad) - ROWS_SHOWN_PER_PROBLEM
        problems.append(
            Problem(str(table.path), None, f"... and {rest} more non-numeric labels", problems[0].fix)
        )
    return problems


def regression_metrics(predicted: np.ndarray, true: np.ndarray) -> dict[str, float]:
    from scipy.stats import pearsonr, spearmanr

    error = predicted - true
    result = {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(1 - np.sum(error**2) / max(float(np.sum((true - true.mean()) ** 2)), 1e-12)),
    }
    constant = np.ptp(predicted) < 1e-12 or np.ptp(true) < 1e-12
    # A correlation with a constant is undefined; 0 says "no linear / rank relation found".
    result["pearson"] = 0.0 if constant else float(pearsonr(predicted, true).statistic)
    result["spearman"] = 0.0 if constant else float(spearmanr(predicted, true).statistic)
    return result


class RegressionTask(TextTask):
    name = "regression"
    label_dtype = "float32"

    def __init__(self, data: DataConfig | None = None):
        super().__init__(data)
        self.mean, self.std = 0.0, 1.0

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
        for table in usable.values():
            report.problems += check_numbers(table, data.label_column)
        return report

    def examples(self, table: Table, data: DataConfig) -> Examples:
        targets = [parse_number(v) for v in table.column(data.label_column)]
        return Examples(table.path, self.inputs(table, data), targets, list(table.lines))

    def stratify_key(self, examples: Examples) -> list[str]:
        edges = np.quantile(np.asarray(examples.targets, dtype=float), np.linspace(0, 1, STRATA + 1)[1:-1])
        return [str(int(np.searchsorted(edges, t, side="right"))) for t in examples.targets]

    def labels(self, train: Examples) -> list[str]:
        return ["value"]

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        values = np.asarray(examples.targets, dtype=float)
        if not len(values):
            return {}
        return {
            "target": {
                "min": float(values.min()),
                "max": float(values.max()),
                "mean": round(float(values.mean()), 4),
                "std": round(float(values.std()), 4),
            }
        }

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        return sequence_head(model_path, ["value"], "regression", **load_options)

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification.from_pretrained(model_dir)

    # --- scaling ----------------------------------------------------------------------------------

    def fit_targets(self, train: Examples) -> None:
        values = np.asarray(train.targets, dtype=float)
        self.mean = float(values.mean())
        std = float(values.std())
        self.std = std if std > 1e-12 else 1.0

    def state(self) -> dict[str, Any]:
        return {"target_mean": self.mean, "target_std": self.std}

    def load_state(self, state: dict[str, Any]) -> None:
        self.mean = float(state.get("target_mean", 0.0))
        self.std = float(state.get("target_std", 1.0))

    def target_values(self, examples: Examples, labels: Sequence[str]) -> list[Any]:
        return [(float(t) - self.mean) / self.std for t in examples.targets]

    def values(self, predictions: Predictions) -> np.ndarray:
        """Model outputs (standardised, one per input) in the label's own units."""
        scaled = np.asarray(predictions, dtype=np.float64).reshape(len(predictions), -1)[:, 0]
        return scaled * self.std + self.mean

    # --- metrics ----------------------------------------------------------------------------------

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        true = np.asarray(label_ids, dtype=np.float64).reshape(-1) * self.std + self.mean
        return regression_metrics(self.values(predictions), true)

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        return regression_metrics(self.values(predictions), np.asarray(targets, dtype=np.float64))

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        predicted, true = self.values(predictions), np.asarray(targets, dtype=np.float64)
        return {
            **regression_metrics(predicted, true),
            "scatter": {
                "true": [round(float(v), 4) for v in true[:SCATTER_POINTS]],
                "predicted": [round(float(v), 4) for v in predicted[:SCATTER_POINTS]],
            },
            "examples": len(true),
        }

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {"prediction": round(prediction["value"], 6)}

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        return [{"value": float(v)} for v in self.values(predictions)]

    # --- baselines: a ridge regression on the baseline's features, on the standardised targets --------

    def baseline_targets(self, examples: Examples, labels: Sequence[str]) -> np.ndarray:
        return np.asarray(self.target_values(examples, labels))

    def baseline_estimator(self, strength: float) -> Any:
        from sklearn.linear_model import Ridge

        return Ridge(alpha=1.0 / strength)

    def baseline_predictions(self, estimator: Any, x: Any, labels: Sequence[str]) -> np.ndarray:
        return np.asarray(estimator.predict(x)).reshape(-1, 1)
