"""The parent's diagonal Fisher information for EWC: the squared gradient of the parent's loss on its own
training rows, one row at a time (the empirical Fisher), averaged, then scaled to mean 1 so that
`continual.ewc` reads like `continual.l2sp`. Computed once and stored in the parent run as safetensors
(`continual/fisher.safetensors`), so every child of the parent reuses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from vertune.continual.head import load_parent_model
from vertune.continual.penalties import plain_name
from vertune.run import RunDir
from vertune.tasks.base import Examples


def fisher_path(run: RunDir) -> Path:
    return run.path / "continual" / "fisher.safetensors"


def parent_fisher(
    parent: RunDir, train: Examples, rows: int, seed: int, quiet: bool = True
) -> tuple[dict[str, torch.Tensor], bool]:
    """The parent's Fisher by plain parameter name, and whether it was read back from the parent run."""
    path = fisher_path(parent)
    if path.is_file():
        return load_file(str(path)), True
    fisher = compute_fisher(parent, train, rows, seed, quiet)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(fisher, str(tmp), metadata={"rows": str(min(rows, len(train))), "scaled": "mean 1"})
    tmp.replace(path)
    return fisher, False


def compute_fisher(
    parent: RunDir, train: Examples, rows: int, seed: int, quiet: bool
) -> dict[str, torch.Tensor]:
    from tqdm import tqdm
    from transformers import AutoTokenizer

    from vertune.hardware import pick_device

    task, labels = parent.load_task(), parent.load_labels()
    tokenizer = AutoTokenizer.from_pretrained(str(parent.model_dir))
    max_length = parent.load_recipe().training.max_length
    device = pick_device()
    model = load_parent_model(task, parent.model_dir).to(device)
    model.eval()  # no dropout: the Fisher of the model as it predicts
    chosen = sorted(np.random.default_rng(seed).permutation(len(train))[:rows].tolist())
    sample = train.select(chosen)
    features = task.encode(sample.inputs, tokenizer, max_length)
    task.attach_targets(features, sample, labels)
    training_rows = task.training_rows(features)
    collate = task.collator(tokenizer)
    params = {plain_name(n): p for n, p in model.named_parameters() if p.requires_grad}
    sums = {name: torch.zeros_like(p, dtype=torch.float32) for name, p in params.items()}
    for row in tqdm(training_rows, desc="fisher", unit="row", disable=quiet):
        batch = {k: v.to(device) if hasattr(v, "to") else v for k, v in collate([row]).items()}
        model.zero_grad(set_to_none=True)
        computed = task.compute_loss(model, batch)
        loss = computed[0] if computed is not None else model(**batch).loss
        loss.backward()
        for name, p in params.items():
            if p.grad is not None:
                sums[name] += p.grad.detach().float() ** 2
    total = sum(float(s.sum()) for s in sums.values())
    count = sum(s.numel() for s in sums.values())
    scale = count / total if total > 0 else 1.0
    return {name: (s * scale).cpu().contiguous() for name, s in sums.items()}


def describe(fisher: dict[str, Any]) -> str:
    return f"{sum(t.numel() for t in fisher.values()):,} values"
