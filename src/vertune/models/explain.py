"""Token attributions: why the model decided, through captum's Integrated Gradients on the input embeddings
(`LayerIntegratedGradients` over the word-embedding layer; the baseline keeps the special tokens and
replaces every other piece with the pad token).

- classification / pair (classes): attributions toward the predicted class's probability (or a named class);
- NER: one attribution row per predicted entity, toward the sum of its words' log-probabilities of their
  decoded tags.

Each explanation maps the pieces back to the user's text: `tokens` = [{"text", "start", "end", "weight"}]
with character offsets into the text (pair: `segment` 0 / 1 says which text) and weights scaled so the
largest |weight| is 1. Cost is bounded: at most `max_tokens` pieces per input and `steps` integration steps
(each step is one forward and backward pass), an ExplainError past either, never a silent truncation (only the report's
explanations of test rows, `truncate=True`, read the first `max_tokens` pieces of a longer text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from vertune.errors import ExplainError
from vertune.models.predictor import RunPredictor
from vertune.tasks.sentences import as_sentence

DEFAULT_STEPS = 32
MAX_STEPS = 200
DEFAULT_MAX_TOKENS = 256
MAX_ENTITIES = 20


def check_bounds(steps: int, max_tokens: int) -> None:
    if not 1 <= steps <= MAX_STEPS:
        raise ExplainError(
            f"--steps {steps}: give 1 to {MAX_STEPS} integration steps (default {DEFAULT_STEPS})"
        )
    if max_tokens < 4:
        raise ExplainError(f"--max-tokens {max_tokens}: give at least 4")


def _scaled(values: np.ndarray) -> np.ndarray:
    peak = float(np.abs(values).max()) if values.size else 0.0
    return values / peak if peak > 0 else values


class Explainer:
    """Integrated Gradients over a run's predictor (its PyTorch model, tokenizer, task and calibration)."""

    def __init__(
        self,
        predictor: RunPredictor,
        steps: int = DEFAULT_STEPS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        truncate: bool = False,
    ):
        """`truncate`: explain the first `max_tokens` pieces of a longer text instead of refusing it (the
        report's explanations of test rows; the verb and the server refuse)."""
        check_bounds(steps, max_tokens)
        from vertune.tasks.ner import NerTask

        if predictor.model is None:
            raise ExplainError("this run's runtime has no PyTorch model to explain; explain the parent run")
        self.ner = isinstance(predictor.task, NerTask)
        if not self.ner and not predictor.task.single_label:
            raise ExplainError(
                f"explain covers classification, pair (pair_target: class) and ner; not task {predictor.task.name}"
            )
        self.predictor, self.steps = predictor, steps
        self.max_tokens = min(max_tokens, predictor.max_length)
        self.model: Any = predictor.model.float()
        self.truncate = truncate
        self.tokenizer = predictor.tokenizer

    # --- the attribution itself -----------------------------------------------------------------------

    def _attribute(self, encoded: dict[str, torch.Tensor], objective: Any) -> np.ndarray:
        """Per piece, the summed IG attribution of `objective(logits) -> (batch,)` to the embeddings."""
        from captum.attr import LayerIntegratedGradients

        input_ids = encoded["input_ids"]
        special = torch.tensor(
            self.tokenizer.get_special_tokens_mask(input_ids[0].tolist(), already_has_special_tokens=True),
            dtype=torch.bool,
        )
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        baseline = torch.where(special, input_ids[0], torch.full_like(input_ids[0], pad))[None, :]
        others = {k: v for k, v in encoded.items() if k != "input_ids"}

        def forward(ids: torch.Tensor) -> torch.Tensor:
            batch = {k: v.expand(ids.shape[0], -1) for k, v in others.items()}
            return objective(self.model(input_ids=ids, **batch).logits)

        layer: Any = self.model.get_input_embeddings()
        integrated = LayerIntegratedGradients(forward, layer)
        device = next(self.model.parameters()).device
        with torch.enable_grad():
            attributions = integrated.attribute(
                input_ids.to(device),
                baselines=baseline.to(device),
                n_steps=self.steps,
                internal_batch_size=min(self.steps, 16),
            )
        return attributions.sum(dim=-1)[0].detach().cpu().numpy()

    def _encode(self, text: Any, text_pair: Any = None, words: bool = False) -> Any:
        encoded = self.tokenizer(
            text,
            text_pair,
            is_split_into_words=words,
            return_offsets_mapping=not words,
            truncation=self.truncate,
            max_length=self.max_tokens if self.truncate else None,
            return_tensors="pt",
            verbose=False,
        )
        pieces = int(encoded["input_ids"].shape[1])
        if pieces > self.max_tokens:
            raise ExplainError(
                f"the input has {pieces} tokens; explain reads at most {self.max_tokens} "
                f"(--max-tokens, and the run's training.max_length {self.predictor.max_length}): shorten the text"
            )
        return encoded

    def _model_inputs(self, encoded: Any) -> dict[str, torch.Tensor]:
        device = next(self.model.parameters()).device
        keep = ("input_ids", "attention_mask", "token_type_ids")
        return {k: v.to(device) for k, v in encoded.items() if k in keep}

    # --- per task -------------------------------------------------------------------------------------

    def explain(self, inputs: Sequence[Any], label: str | None = None) -> list[dict[str, Any]]:
        """One explanation per input (a text, a (text, text_pair) tuple, or a sentence for NER)."""
        if self.ner:
            return [self._explain_entities(item) for item in inputs]
        return [self._explain_class(item, label) for item in inputs]

    def _explain_class(self, item: Any, label: str | None) -> dict[str, Any]:
        labels = self.predictor.labels
        pair = isinstance(item, tuple)
        text, text_pair = (item[0], item[1]) if pair else (str(item), None)
        encoded = self._encode(text, text_pair)
        inputs = self._model_inputs(encoded)
        with torch.no_grad():
            logits = self.model(**inputs).logits.float().cpu().numpy()
        decoded = self.predictor.task.decode(logits, [item], labels)[0]
        if label is not None and label not in labels:
            raise ExplainError(f"--label {label!r} is not one of the run's labels: {', '.join(labels)}")
        target = labels.index(label or decoded["label"])
        temperature = getattr(self.predictor.task, "temperature", 1.0)
        weights = self._attribute(inputs, lambda out: torch.softmax(out / temperature, dim=-1)[:, target])
        sequence = encoded.sequence_ids(0)
        offsets = encoded["offset_mapping"][0].tolist()
        texts = (text, text_pair or "")
        tokens = [
            {
                "text": texts[segment][start:end],
                "start": start,
                "end": end,
                "weight": float(w),
                **({"segment": segment} if pair else {}),
            }
            for (start, end), segment, w in zip(offsets, sequence, _scaled(weights), strict=True)
            if segment is not None and end > start
        ]
        return {**decoded, "explained": labels[target], "tokens": tokens}

    def _explain_entities(self, item: Any) -> dict[str, Any]:
        task: Any = self.predictor.task
        labels = self.predictor.labels
        sentence = as_sentence(item)
        if not len(sentence):
            return {"text": sentence.text, "entities": []}
        encoded = self._encode(list(sentence.tokens), words=True)
        word_ids = encoded.word_ids(0)
        inputs = self._model_inputs(encoded)
        with torch.no_grad():
            logits = self.model(**inputs).logits.float()[0].cpu().numpy()
        first = {}
        for position, word in enumerate(word_ids):
            if word is not None and word not in first:
                first[word] = position
        words = np.full((len(sentence), logits.shape[-1]), 0.0, dtype=np.float32)
        for word, position in first.items():
            words[word] = logits[position]
        entities = task.decode([words], [sentence], labels)[0]["entities"]
        tags = task.tags_of(words, labels)
        if len(entities) > MAX_ENTITIES:
            raise ExplainError(f"{len(entities)} entities; explain handles at most {MAX_ENTITIES} per text")
        explained = []
        for entity in entities:
            span = [
                i for i, (s, e) in enumerate(sentence.offsets) if s >= entity["start"] and e <= entity["end"]
            ]
            positions = [first[i] for i in span if i in first]
            tag_ids = [labels.index(tags[i]) for i in span if i in first]

            def objective(
                out: torch.Tensor, positions: list[int] = positions, ids: list[int] = tag_ids
            ) -> torch.Tensor:
                chosen = torch.log_softmax(out, dim=-1)[:, positions, :]
                return chosen[:, torch.arange(len(ids)), torch.tensor(ids)].sum(dim=-1)

            pieces = self._attribute(inputs, objective)
            per_word = np.zeros(len(sentence))
            for position, word in enumerate(word_ids):
                if word is not None:
                    per_word[word] += pieces[position]
            weights = _scaled(per_word)
            tokens = [
                {"text": token, "start": start, "end": end, "weight": float(w)}
                for token, (start, end), w in zip(sentence.tokens, sentence.offsets, weights, strict=True)
            ]
            explained.append({**entity, "tokens": tokens})
        return {"text": sentence.text, "entities": explained}
