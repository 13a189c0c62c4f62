"""task: generation: supervised fine-tuning of a causal LM on conversations (instruction tuning).

Inputs are conversations up to the answer (lists of messages), targets the answers. Training uses the HF
Trainer of every other task (train/fit.py: methods, callbacks, checkpoints, resume, early stopping) with the
masking of vertune.generation.encoding: the loss on every assistant turn's tokens and end-of-turn token only. TRL's
SFTTrainer (TRL 1.16 runs with transformers 5; not a dependency) would do the same masking (`assistant_only_loss`)
but brings its own Trainer subclass, which would bypass vertune's (method penalties, head learning rates);
the masking is ~40 lines, so the Trainer stays one.

Validation during training reports the loss and the next-token accuracy on answer tokens (the model's
argmax, not its logits, is kept per batch so evaluation stays small). The test split is scored on
generations (vertune.stages.generation): exact match, ROUGE-L, ... and perplexity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import DataReport
from vertune.generation.data import parse_or_raise, prompt_text, validate_generation
from vertune.recipe import DataConfig
from vertune.tasks.base import BaseTask, Examples

#: responses from at most this many distinct short strings make a label set (classification by generation)
MAX_LABELS = 20
MAX_LABEL_CHARS = 40


def label_set(targets: Sequence[str]) -> list[str]:
    """The distinct answers when they look like class labels (few, short, repeated), else []."""
    distinct = sorted(set(targets))
    if len(distinct) > MAX_LABELS or len(distinct) * 2 > len(targets):
        return []
    if any(len(t) > MAX_LABEL_CHARS or "\n" in t for t in distinct):
        return []
    return distinct


class GenerationTask(BaseTask):
    name = "generation"

    def __init__(self, data: DataConfig | None = None):
        super().__init__(data)
        self._tokenizer: Any = None
        self._max_length = 0

    # ---- data ------------------------------------------------------------------------------------------

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        return validate_generation(splits, data, count_tokens, max_length)

    def examples(self, table: Table, data: DataConfig) -> Examples:
        rows = parse_or_raise(table, data, labelled=True)
        return Examples(
            table.path, [r.prompt for r in rows], [r.response for r in rows], [r.line for r in rows]
        )

    def inputs(self, table: Table, data: DataConfig) -> list[Any]:
        return [r.prompt for r in parse_or_raise(table, data, labelled=False)]

    def text_of(self, item: Any) -> str:
        return item if isinstance(item, str) else prompt_text(item)

    def stratify_key(self, examples: Examples) -> list[str]:
        labels = set(label_set(examples.targets))
        return [t if t in labels else "" for t in examples.targets]

    def labels(self, train: Examples) -> list[str]:
        return label_set(train.targets)

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        labels = label_set(examples.targets)
        if labels:
            return {"classes": {label: examples.targets.count(label) for label in labels}}
        return {"distinct_answers": len(set(examples.targets))}

    # ---- model -----------------------------------------------------------------------------------------

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(model_path, **load_options)

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModelForCausalLM

        from vertune.models.loading import load_saved_model

        return load_saved_model(model_dir, AutoModelForCausalLM)

    def encode(self, inputs: Sequence[Any], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        from vertune.generation.encoding import encode_prompt

        self._tokenizer, self._max_length = tokenizer, max_length  # attach_targets re-encodes with answers
        return [encode_prompt(tokenizer, list(p), max_length) for p in inputs]

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        from vertune.generation.encoding import encode_example

        for feature, prompt, response in zip(features, examples.inputs, examples.targets, strict=True):
            feature.update(encode_example(self._tokenizer, list(prompt), response, self._max_length))

    def collator(self, tokenizer: Any) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        from transformers import DataCollatorForSeq2Seq

        # pads input_ids with the pad token, labels with -100, each batch to its longest row
        return DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100, pad_to_multiple_of=8)

    def training_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return features

    def compute_loss(self, model: Any, inputs: dict[str, Any]) -> tuple[Any, Any] | None:
        outputs = model(**inputs)
        if model.training:
            return outputs.loss, outputs
        # evaluation keeps the predicted token ids, not the (batch x length x vocabulary) logits
        return outputs.loss, {"loss": outputs.loss, "logits": outputs.logits.argmax(-1)}

    # ---- state (none) ----------------------------------------------------------------------------------

    def fit_targets(self, train: Examples) -> None:
        return None

    def tune(self, predictions: Any, targets: Sequence[Any], labels: Sequence[str]) -> None:
        return None

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        return None

    # ---- scores ----------------------------------------------------------------------------------------

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        raise TypeError("task generation predicts by generating text (vertune.generation.engine)")

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        """Next-token accuracy on the answer tokens (position t predicts the label at t + 1)."""
        predicted, gold = predictions[:, :-1], label_ids[:, 1:]
        width = min(predicted.shape[1], gold.shape[1])
        predicted, gold = predicted[:, :width], gold[:, :width]
        mask = gold != -100
        return {"token_accuracy": float((predicted[mask] == gold[mask]).mean()) if mask.any() else 0.0}

    def scores(self, predictions: Any, targets: Sequence[Any], labels: Sequence[str]) -> dict[str, float]:
        from vertune.generation.metrics import corpus_scores

        return corpus_scores(list(predictions), list(targets))

    def detailed(self, predictions: Any, targets: Sequence[Any], labels: Sequence[str]) -> dict[str, Any]:
        return {"examples": len(targets), **self.scores(predictions, targets, labels)}

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {"completion": prediction["completion"]}

    def decode(self, predictions: Any, inputs: Sequence[Any], labels: Sequence[str]) -> list[dict[str, Any]]:
        return [{"completion": text} for text in predictions]
