"""The Task protocol: everything that differs between tasks (head, features, metrics, decoding)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import DataReport
from vertune.recipe import DataConfig


@dataclass
class Examples:
    """One split's validated inputs and gold targets, with where each came from."""

    source: Path
    texts: list[str]
    targets: list[Any]
    lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def select(self, indices: list[int]) -> Examples:
        return Examples(
            self.source,
            [self.texts[i] for i in indices],
            [self.targets[i] for i in indices],
            [self.lines[i] for i in indices],
        )


class Task(Protocol):
    name: str
    #: the headline metric: reports compare the fine-tuned model and the baselines on it
    default_metric: str
    #: every scalar that `scores` returns (training.metric_for_best may name any of them, or "loss")
    metric_names: tuple[str, ...]

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
    ) -> DataReport:
        """Row-level checks of the given files (train first)."""

    def examples(self, table: Table, data: DataConfig) -> Examples:
        """Turn a validated table into examples."""

    def stratify_key(self, examples: Examples) -> list[str]:
        """What to stratify a split by."""

    def labels(self, train: Examples) -> list[str]:
        """The label set, in id order."""

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        """Load the backbone with this task's head on top."""

    def load_trained(self, model_dir: str) -> Any:
        """Load a model this task saved (the run's model/ directory)."""

    def encode(self, texts: Sequence[str], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        """Tokenise inputs into features (no padding: the collator pads each batch)."""

    def target_ids(self, targets: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
        """Gold targets as the arrays `scores` and `detailed` compare against."""

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        """Add the gold targets to encoded features, in place."""

    def collator(self, tokenizer: Any) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        """Pads a batch dynamically."""

    def scores(self, logits: np.ndarray, target_ids: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
        """Scalar metrics (used for early stopping and the metrics file)."""

    def detailed(self, logits: np.ndarray, target_ids: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
        """Scalar metrics plus per-class scores and the confusion matrix, for the report."""

    def decode(self, logits: np.ndarray, labels: Sequence[str]) -> list[dict[str, Any]]:
        """Predictions in the user's labels, with scores."""
