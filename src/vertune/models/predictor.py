"""Predictor: a trained run's model ready for fast inference, used by evaluate, predict and serve.

It reads only the run directory (never the trainer), so anything that serves a model imports this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vertune.hardware import pick_device, resolve_precision
from vertune.models.batching import run_batches
from vertune.run import RunDir
from vertune.tasks import get_task


class Predictor:
    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: Any,
        task: Any,
        labels: list[str],
        max_length: int,
        precision: str = "auto",
        batch_size: int = 64,
    ):
        self.device = pick_device()
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.task = task
        self.labels = labels
        self.max_length = max_length
        self.precision = resolve_precision(precision, self.device)
        self.batch_size = batch_size
        self.collate = task.collator(tokenizer)

    @classmethod
    def from_run(cls, run_path: str | Path, precision: str = "auto", batch_size: int = 64) -> Predictor:
        from transformers import AutoTokenizer

        run = RunDir(run_path).require_model()
        recipe = run.load_recipe()
        task = get_task(recipe.task)
        model = task.load_trained(str(run.model_dir))
        tokenizer = AutoTokenizer.from_pretrained(str(run.model_dir))
        return cls(
            model, tokenizer, task, run.load_labels(), recipe.training.max_length, precision, batch_size
        )

    def logits(self, texts: list[str], quiet: bool = True) -> np.ndarray:
        return self.logits_of(self.task.encode(texts, self.tokenizer, self.max_length), quiet=quiet)

    def logits_of(self, features: list[dict[str, Any]], quiet: bool = True) -> np.ndarray:
        """Logits for already encoded features (so a run tokenises each split once)."""
        return run_batches(
            self.model,
            features,
            self.collate,
            lambda outputs, batch: outputs.logits,
            batch_size=self.batch_size,
            precision=self.precision,
            device=self.device,
            quiet=quiet,
        )

    def predict(self, texts: list[str], quiet: bool = True) -> list[dict[str, Any]]:
        if not texts:
            return []
        return self.task.decode(self.logits(texts, quiet=quiet), self.labels)
