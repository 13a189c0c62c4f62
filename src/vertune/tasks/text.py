"""What every task over whole texts (or text pairs) shares: reading the inputs, encoding them (truncated or
as windows), pooling windows back per text, collating, and the run state a task keeps (none by default).

ClassificationTask, RegressionTask, MultilabelTask and the pair tasks build on `TextTask`; they add their
targets, head, loss and metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vertune.data.pii import redacted_inputs
from vertune.data.readers import Table
from vertune.data.validate import check_columns, is_missing
from vertune.errors import DataError, RecipeError
from vertune.recipe import DataConfig
from vertune.tasks import windows
from vertune.tasks.base import BaseTask, Examples, Predictions

if TYPE_CHECKING:
    import torch


class TextTask(BaseTask):
    #: torch dtype of the `labels` tensor the collator builds, by name (this module stays torch-free)
    label_dtype = "long"

    def __init__(self, data: DataConfig | None = None):
        super().__init__(data)
        self.chunk = data is not None and data.long_text == "chunk"
        self.pooling = data.window_pooling if data is not None else "mean"
        self.overlap = data.window_overlap if data is not None else 32
        if self.chunk and self.reads_pairs:
            raise RecipeError(
                "data.long_text: chunk is not supported for text pairs; use truncate (the pair is cut to "
                "training.max_length tokens, the longer text first)"
            )

    # --- inputs -----------------------------------------------------------------------------------

    def text_columns(self, data: DataConfig) -> dict[str, str]:
        """Recipe key -> column of every text the task reads."""
        columns = {"data.text_column": data.text_column}
        if self.reads_pairs:
            columns["data.text_pair_column"] = data.text_pair_column
        return columns

    def inputs(self, table: Table, data: DataConfig) -> list[Any]:
        columns = self.text_columns(data)
        problems = check_columns(table, columns)
        if problems:
            raise DataError(problems)
        texts = [["" if is_missing(t) else str(t) for t in table.column(c)] for c in columns.values()]
        return list(zip(*texts, strict=True)) if self.reads_pairs else texts[0]

    def text_of(self, item: Any) -> str:
        return " \n ".join(item) if self.reads_pairs else str(item)

    # --- features ---------------------------------------------------------------------------------

    def encode(self, inputs: Sequence[Any], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        inputs = redacted_inputs(inputs, self.data)  # data.redact: predict / serve inputs too
        return windows.encode_texts(
            inputs, tokenizer, max_length, chunk=self.chunk, overlap=self.overlap, pairs=self.reads_pairs
        )

    def target_values(self, examples: Examples, labels: Sequence[str]) -> list[Any]:
        """One `labels` value per input (an id, a scaled number, a multi-hot list)."""
        raise NotImplementedError

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        values = self.target_values(examples, labels)
        for feature, example in zip(features, windows.example_of(features), strict=True):
            feature["labels"] = values[example]

    def collator(self, tokenizer: Any) -> windows.WindowCollator:
        return windows.WindowCollator(tokenizer, self.label_dtype)

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        return windows.pool_rows(outputs, features, count, self.pooling)

    # --- training ---------------------------------------------------------------------------------

    def training_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The Trainer's rows: one per input (its windows together), so the loss sees pooled logits."""
        return windows.training_rows(features)

    def compute_loss(self, model: Any, inputs: dict[str, Any]) -> tuple[torch.Tensor, Any] | None:
        """The loss of a collated batch, or None to let the model compute it (no windows)."""
        return windows.pooled_loss(model, inputs, self.pooling)

    # --- run state (kept in the run directory's task.json) ----------------------------------------

    def fit_targets(self, train: Examples) -> None:
        """Learn what the targets need from the training split (regression: the scaling)."""

    def tune(self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]) -> None:
        """Learn decision settings from the validation predictions (multilabel: per-label thresholds)."""

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what `fit_targets` and `tune` learnt."""


def sequence_head(model_path: str, labels: Sequence[str], problem_type: str, **load_options: Any) -> Any:
    """The backbone with a sequence-level head of one output per label, named after the labels."""
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(
        model_path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type=problem_type,
        **load_options,
    )
