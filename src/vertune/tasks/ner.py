"""Named-entity recognition (token classification): IOB2 tags per word, entity-level seqeval scores.

- Input: a Sentence (tokens, their character offsets, the original text); raw text is split into words, one
  token per CJK character.
- Sub-words: the fast tokenizer's `word_ids()`; the first piece of each word carries its label, the other
  pieces are ignored in the loss (-100).
- Long sentences: cut into windows of `max_length` tokens that overlap by a quarter and start at word
  boundaries; `merge` takes each word's logits from the window where it sits furthest from an edge.
- Decoding: Viterbi over the label log-probabilities with the IOB2 transitions as hard constraints, so no
  `I-X` ever follows `O` or another type; entities get character offsets into the original text and a score
  (the mean probability of their tags).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import DataReport, check_columns, is_missing
from vertune.errors import DataError, Problem
from vertune.models.batching import PAD_MULTIPLE
from vertune.recipe import DataConfig
from vertune.tasks import ner_data, ner_metrics, tagging
from vertune.tasks.base import BaseTask, Examples, Predictions
from vertune.tasks.sentences import Sentence, as_sentence

MODEL_KEYS = ("input_ids", "attention_mask", "token_type_ids", "labels")
IGNORED = -100


class NerTask(BaseTask):
    name = "ner"

    # --- data ---------------------------------------------------------------------------------------

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        report = DataReport()
        known = {tagging.split_tag(label)[1] for label in labels} - {""} if labels is not None else None
        for role, table in splits.items():
            rows = ner_data.read_rows(table, data)
            report.problems += rows.problems
            if not rows.sentences:
                continue
            types = Counter(span.label for tags in rows.tags for span in tagging.read_spans(tags, "IOB2")[0])
            if role == "train":
                known = known if known is not None else set(types)
            elif known is not None:
                report.problems += [
                    Problem(
                        str(table.path),
                        None,
                        f"entity type {kind!r} ({n} entities) does not occur in the training data",
                        "the model cannot predict it: these entities will count as missed",
                        "warning",
                    )
                    for kind, n in sorted(types.items())
                    if kind not in known
                ]
            stats: dict[str, Any] = {
                "rows": len(rows.sentences),
                "classes": dict(types.most_common()),
                "tokens": sum(len(s) for s in rows.sentences),
                "scheme": rows.scheme if rows.form == ner_data.TOKENS else "spans",
            }
            if count_tokens is not None and max_length is not None:
                lengths = count_tokens([s.text for s in rows.sentences])
                longer = sum(n > max_length for n in lengths)
                stats["longer_than_max_length"] = round(longer / len(lengths), 4)
                stats["median_tokens"] = sorted(lengths)[len(lengths) // 2]
                stats["windowed"] = longer  # split into overlapping windows, nothing truncated
            report.stats[role] = stats
        return report

    def examples(self, table: Table, data: DataConfig) -> Examples:
        rows = ner_data.read_rows(table, data)
        return Examples(table.path, rows.sentences, rows.tags, rows.lines)

    def inputs(self, table: Table, data: DataConfig) -> list[Any]:
        if ner_data.TOKENS in table.columns:
            return [as_sentence(tokens) for tokens in table.column(ner_data.TOKENS)]
        problems = check_columns(table, {"data.text_column": data.text_column})
        if problems:
            raise DataError(problems)
        return [as_sentence("" if is_missing(t) else str(t)) for t in table.column(data.text_column)]

    def text_of(self, item: Any) -> str:
        return as_sentence(item).text

    def stratify_key(self, examples: Examples) -> list[str]:
        return ["entities" if any(t != "O" for t in tags) else "none" for tags in examples.targets]

    def labels(self, train: Examples) -> list[str]:
        return tagging.tag_labels(tagging.split_tag(t)[1] for tags in train.targets for t in tags if t != "O")

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        types = Counter(s.label for tags in examples.targets for s in tagging.read_spans(tags, "IOB2")[0])
        return {"classes": dict(types.most_common()), "tokens": sum(len(t) for t in examples.targets)}

    # --- model --------------------------------------------------------------------------------------

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification.from_pretrained(
            model_path,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
            **load_options,
        )

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModelForTokenClassification

        from vertune.models.loading import load_saved_model

        return load_saved_model(model_dir, AutoModelForTokenClassification)

    def encode(self, inputs: Sequence[Any], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        sentences = [as_sentence(item) for item in inputs]
        if not sentences:
            return []
        encoded = tokenizer(
            [list(s.tokens) for s in sentences],
            is_split_into_words=True,
            add_special_tokens=False,
            truncation=False,
            verbose=False,
        )
        cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
        width = max_length - 2
        features = []
        for example, sentence in enumerate(sentences):
            ids = encoded["input_ids"][example]
            first_piece = _first_pieces(encoded.word_ids(example))
            for start, end in windows(first_piece, width):
                word_index = [IGNORED, *first_piece[start:end], IGNORED]
                features.append(
                    {
                        "input_ids": [cls, *ids[start:end], sep],
                        "attention_mask": [1] * (end - start + 2),
                        "example": example,
                        "word_index": word_index,
                        "words": len(sentence),
                    }
                )
        return features

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        index = {label: i for i, label in enumerate(labels)}
        for feature in features:
            tags = examples.targets[feature["example"]]
            feature["labels"] = [index.get(tags[w], 0) if w >= 0 else IGNORED for w in feature["word_index"]]

    def collator(self, tokenizer: Any) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        from transformers import DataCollatorForTokenClassification

        pad = DataCollatorForTokenClassification(
            tokenizer, pad_to_multiple_of=PAD_MULTIPLE, return_tensors="pt"
        )

        def collate(features: list[dict[str, Any]]) -> dict[str, Any]:
            return pad([{k: v for k, v in f.items() if k in MODEL_KEYS} for f in features])

        return collate

    # --- training hooks: windows train as they are (each word is labelled in one window), no run state ---

    def training_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return features

    def compute_loss(self, model: Any, inputs: dict[str, Any]) -> tuple[Any, Any] | None:
        return None

    def fit_targets(self, train: Examples) -> None:
        pass

    def tune(self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]) -> None:
        pass

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        pass

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        """Per input, one logits row per word (NaN for a word the tokenizer gave no piece)."""
        merged: list[np.ndarray | None] = [None] * count
        best: list[np.ndarray | None] = [None] * count
        for output, feature in zip(outputs, features, strict=True):
            example = feature["example"]
            if merged[example] is None:
                merged[example] = np.full((feature["words"], output.shape[-1]), np.nan, dtype=np.float32)
                best[example] = np.full(feature["words"], -1)
            inner = len(feature["word_index"]) - 1
            for position, word in enumerate(feature["word_index"]):
                distance = min(position, inner - position)
                if word >= 0 and distance > best[example][word]:
                    best[example][word] = distance
                    merged[example][word] = output[position]
        return [m if m is not None else np.zeros((0, 1), dtype=np.float32) for m in merged]

    # --- scores -------------------------------------------------------------------------------------

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        """Per window (overlapping windows count their shared words twice): good enough to pick a checkpoint."""
        gold, predicted = [], []
        for logits, ids in zip(predictions, label_ids, strict=True):
            keep = ids != IGNORED
            gold.append([labels[i] for i in ids[keep]])
            predicted.append(self._tags(logits[keep], labels))
        return ner_metrics.entity_scores(gold, predicted)

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        return ner_metrics.entity_scores(targets, [self._tags(p, labels) for p in predictions])

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        predicted = [self._tags(p, labels) for p in predictions]
        types = sorted({tagging.split_tag(label)[1] for label in labels} - {""})
        return {
            **ner_metrics.entity_scores(targets, predicted),
            "per_class": ner_metrics.per_type(targets, predicted),
            **ner_metrics.error_analysis(targets, predicted, types),
            "examples": len(targets),
        }

    def tags_of(self, logits: np.ndarray, labels: Sequence[str]) -> list[str]:
        """One input's IOB2 tags after constrained decoding (the bootstrap and robustness probes read them)."""
        return self._tags(logits, labels)

    def _tags(self, logits: np.ndarray, labels: Sequence[str]) -> list[str]:
        return [labels[i] for i in tagging.viterbi(_log_probs(logits, labels), labels)]

    # --- predictions --------------------------------------------------------------------------------

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {"entities": json.dumps(prediction["entities"], ensure_ascii=False)}

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        decoded = []
        for logits, item in zip(predictions, inputs, strict=True):
            sentence = as_sentence(item)
            log_probs = _log_probs(logits, labels)
            path = tagging.viterbi(log_probs, labels)
            tags = [labels[i] for i in path]
            entities = [
                _entity(
                    sentence,
                    span,
                    np.exp(log_probs[np.arange(span.start, span.end), path[span.start : span.end]]),
                )
                for span in tagging.read_spans(tags, tagging.INTERNAL)[0]
            ]
            decoded.append({"entities": entities})
        return decoded


def windows(first_piece: Sequence[int], width: int) -> list[tuple[int, int]]:
    """[start, end) piece ranges of at most `width` pieces that overlap (by about a quarter, at least one word
    when there is one to share) and are cut where a word starts (a word longer than a window is cut inside)."""
    n = len(first_piece)
    if n <= width:
        return [(0, n)]
    starts = [i for i, word in enumerate(first_piece) if word >= 0]
    overlap = width // 4
    result = []
    start = 0
    while True:
        end = min(start + width, n)
        if end < n:
            end = max((s for s in starts if start < s <= end), default=end)
        result.append((start, end))
        if end >= n:
            return result
        # the next window starts at the first word start in the overlap, else at the last word start inside
        inside = [s for s in starts if start < s < end]
        in_overlap = [s for s in inside if s >= end - overlap]
        start = in_overlap[0] if in_overlap else (inside[-1] if inside else end)


def _first_pieces(word_ids: Sequence[int | None]) -> list[int]:
    """For each piece: its word's index if it is the word's first piece, else -100."""
    seen: set[int] = set()
    marks = []
    for word in word_ids:
        if word is None or word in seen:
            marks.append(IGNORED)
        else:
            seen.add(word)
            marks.append(word)
    return marks


def _log_probs(logits: Any, labels: Sequence[str]) -> np.ndarray:
    """Log-probabilities per word; a word without logits (no piece) is certainly O."""
    logits = np.asarray(logits, dtype=np.float64).reshape(-1, len(labels))
    missing = np.isnan(logits).any(axis=-1)
    if missing.any():
        logits = logits.copy()
        logits[missing] = -1e4
        logits[missing, labels.index("O")] = 0.0
    return tagging.log_softmax(logits)


def _entity(sentence: Sentence, span: tagging.Span, probabilities: np.ndarray) -> dict[str, Any]:
    start, end = sentence.char_span(span.start, span.end)
    return {
        "label": span.label,
        "text": sentence.text[start:end],
        "start": start,
        "end": end,
        "score": float(probabilities.mean()),
    }
