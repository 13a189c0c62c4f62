"""Predictors: a trained run's model ready for fast inference, used by evaluate, predict and serve.

They read only the run directory (never the trainer), so anything that serves a model imports this.
`RunPredictor` is what every runtime shares: the run's tokenizer, task (with its state), labels and
max_length, and the way from inputs to predictions (the task's encoding, window merging and decoding). A
runtime implements `outputs`, one output row per encoded feature: `Predictor` runs the PyTorch model,
deploy/runtimes.py adds torch int8 and ONNX Runtime. This module imports neither torch nor transformers:
a runtime that needs neither (ONNX Runtime) starts without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vertune.models.batching import run_batches
from vertune.run import RunDir
from vertune.tasks.base import Task

if TYPE_CHECKING:
    import torch


class RunPredictor:
    #: the PyTorch model, None on a runtime without one (explain needs it)
    model: Any = None
    precision = "fp32"

    def __init__(self, tokenizer: Any, task: Task, labels: list[str], max_length: int, batch_size: int = 64):
        self.tokenizer = tokenizer
        self.task = task
        self.labels = labels
        self.max_length = max_length
        self.batch_size = batch_size

    @classmethod
    def run_parts(cls, run: RunDir) -> tuple[Any, Task, list[str], int]:
        """What every runtime needs from a run besides the model: tokenizer, task (with its state), labels,
        max_length."""
        task = run.load_task()
        return cls.load_tokenizer(run, task), task, run.load_labels(), run.load_recipe().training.max_length

    @staticmethod
    def load_tokenizer(run: RunDir, task: Task) -> Any:
        """The run's saved tokenizer, through transformers."""
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(run.model_dir))

    def outputs(self, features: list[dict[str, Any]], quiet: bool = True) -> list[np.ndarray]:
        """One output row per feature (already encoded features, so a run tokenises each split once)."""
        raise NotImplementedError

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


class Predictor(RunPredictor):
    """The run's model in PyTorch (precision auto = bf16 where native). The model call is one method,
    `forward`, so a variant of the torch model (quantised) plugs in by overriding it."""

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
        from vertune.hardware import pick_device, resolve_precision

        super().__init__(tokenizer, task, labels, max_length, batch_size)
        self.device = device or pick_device()
        self.model = model.to(self.device).eval() if model is not None else None
        self.precision = resolve_precision(precision, self.device)
        self.collate = task.collator(tokenizer)

    @classmethod
    def from_run(cls, run_path: str | Path, precision: str = "auto", batch_size: int = 64) -> Predictor:
        run = RunDir(run_path).require_model()
        tokenizer, task, labels, max_length = cls.run_parts(run)
        return cls(
            task.load_trained(str(run.model_dir)), tokenizer, task, labels, max_length, precision, batch_size
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Logits of one collated batch."""
        assert self.model is not None
        return self.model(**batch).logits

    def outputs(self, features: list[dict[str, Any]], quiet: bool = True) -> list[np.ndarray]:
        return run_batches(
            self.forward,
            features,
            self.collate,
            batch_size=self.batch_size,
            precision=self.precision,
            device=self.device,
            quiet=quiet,
        )
