"""The `zero_shot_embedding` baseline: no training at all. Each text and each label (its name, or its sentence
in `data.label_descriptions`) are embedded by the frozen pre-trained encoder (mean pooling, `models.embed`);
the predicted class is the label with the highest cosine similarity. The similarities are its logits, so
the task scores them like the model's and the paired comparison reads them like any baseline's predictions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vertune.data.prepare import Splits
from vertune.errors import RecipeError
from vertune.recipe import Recipe
from vertune.tasks.base import Task

DESCRIPTION = "cosine between the frozen encoder's mean-pooled embedding of the text and of each label"


def label_sentences(labels: Sequence[str], descriptions: Mapping[str, str] | None) -> list[str]:
    """Each label's sentence: its description when given, else its name (underscores read as spaces)."""
    descriptions = descriptions or {}
    unknown = sorted(set(descriptions) - set(labels))
    if unknown:
        raise RecipeError(
            f"data.label_descriptions names labels that are not in the training data: {', '.join(unknown)}; "
            f"known labels: {', '.join(labels)}"
        )
    return [descriptions.get(label, label.replace("_", " ")) for label in labels]


def zero_shot_embedding(recipe: Recipe, task: Task, splits: Splits, quiet: bool = True) -> list[np.ndarray]:
    """One row of cosine similarities (one per label) per test input."""
    from vertune.models.embed import Encoder
    from vertune.models.loading import loading
    from vertune.models.resolve import resolve_model

    path = resolve_model(recipe.model.name)
    encoder = loading(recipe.model.name, lambda: Encoder.from_directory(path, recipe.training.max_length))
    sentences = label_sentences(splits.labels, recipe.data.label_descriptions)
    labels = encoder.encode(sentences)
    texts = encoder.encode(
        [task.text_of(x) for x in splits.test.inputs], recipe.training.eval_batch_size, quiet
    )
    return list(texts @ labels.T)


def describe(recipe: Recipe) -> str:
    given = "label descriptions" if recipe.data.label_descriptions else "label names"
    return f"{DESCRIPTION} ({given}); no training"


__all__ = ["DESCRIPTION", "describe", "label_sentences", "zero_shot_embedding"]
