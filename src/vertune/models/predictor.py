"""Predictor: a trained run's model ready for fast inference, used by evaluate, predict and serve.

It reads only the run directory (never the trainer), so anything that serves a model imports this.
The model call is one method, `forward`, so another runtime (ONNX Runtime, a quantised model) plugs in by
overriding it while the task's encoding, window merging and decoding stay the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vertune.hardware import pick_device, resolve_precision
from vertune.models.batching import run_batches
from vertune.run import RunDir
from vertune.tasks.base import Task


class Predictor:
    def __init__(
        self,
        model: torch.nn.Module | None,
        tokenizer: Any,
        task: Task,
        labels: list[str],
        max_length: int,
        precision: str = "auto",
        batch_size: int = 64,
        device: torch.device | None = None,
    ):
        self.device = device or pick_device()
        self.model = model.to(self.device).eval() if model is not None else None
        self.tokenizer = tokenizer
        self.task = task
        self.labels = labels
        self.max_length = max_length
        self.precision = resolve_precision(precision, self.device)
        self.batch_size = batch_size
        self.collate = task.collator(tokenizer)

    @classmethod
    def from_run(cls, run_path: str | Path, precision: str = "auto", batch_size: int = 64) -> Predictor:
        run = RunDir(run_path).require_model()
        tokenizer, task, labels, max_length = cls.run_parts(run)
        return cls(
            task.load_trained(str(run.model_dir)), tokenizer, task, labels, max_length, precision, batch_size
        )

    @staticmethod
    def run_parts(run: RunDir) -> tuple[Any, Task, list[str], int]:
        """What every runtime needs from a run besides the model: tokenizer, task (with its state), labels,
        max_length."""
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(run.model_dir))
        task = run.load_task()
        return tokenizer, task, run.load_labels(), run.load_recipe().training.max_length

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Logits of one collated batch."""
        assert self.model is not None
        return self.model(**batch).logits

    def outputs(self, features: list[dict[str, Any]], quiet: bool = True) -> list[np.ndarray]:
        """One output row per feature (already encoded features, so a run tokenises each split once)."""
        return run_batches(
            self.forward,
            features,
            self.collate,
            batch_size=self.batch_size,
            precision=self.precision,
            device=self.device,
            quiet=quiet,
        )

    def predictions_of(self, features: list[dict[str, Any]], count: int, quiet: bool = True) -> list[Any]:
        """One prediction per input, from the features of `count` inputs."""
        return self.task.merge(self.outputs(features, quiet=quiet), features, count)

    def predictions(self, inputs: list[Any], quiet: bool = True) -> list[Any]:
        features = self.task.encode(inputs, self.tokenizer, self.max_length)
        return self.predictions_of(features, len(inputs), quiet=quiet)

    def predict(self, inputs: list[Any], quiet: bool = True) -> list[dict[str, Any]]:
        """Decoded predictions in the user's terms (labels, scores, spans)."""
        if not inputs:
            return []
        return self.task.decode(self.predictions(inputs, quiet=quiet), inputs, self.labels)
