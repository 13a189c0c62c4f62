"""`task: embedding`: tune the encoder for retrieval (a question to its answer, a headline to its article).

Rows are (`data.query_column`, `data.positive_column`, optional `data.negative_column`). Training uses
in-batch negatives: every other row's document in the batch (and every hard negative, when all rows of the
batch have one) is a negative for a query; the loss is the cross-entropy of the scaled cosine similarities
(scale 20), which is sentence-transformers' MultipleNegativesRankingLoss. It is written here (a few lines)
because the model is the plain transformers encoder the HF Trainer trains like every other task's, not a
SentenceTransformer.

Embeddings are the mean of the last hidden states over the attention mask, L2-normalised
(`vertune.models.embed`); `model/` is a plain `AutoModel` directory. Evaluation: each query against the
corpus of every distinct positive of the split, recall@1/5/10, MRR@10, nDCG@10 (`evaluate.retrieval`);
validation during training scores in-batch ranks only. `predict` / `serve` embed texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from vertune.data.readers import Table
from vertune.data.validate import DataReport, check_columns, is_missing
from vertune.errors import DataError, Problem
from vertune.evaluate.retrieval import corpus_of, rank_metrics, ranks
from vertune.models.batching import PAD_MULTIPLE
from vertune.models.embed import mean_pool
from vertune.recipe import DataConfig
from vertune.tasks.base import BaseTask, Examples, Predictions

ROLES = ("query", "positive", "negative")
MODEL_KEYS = ("input_ids", "attention_mask", "token_type_ids")
#: MultipleNegativesRankingLoss's default: cosine similarities are multiplied by 20 before the softmax
SCALE = 20.0


class EmbeddingModel(nn.Module):
    """The encoder under training. Alone: one normalised embedding per text (as `logits`). With documents
    (`positive_*`, optionally `negative_*` inputs): the in-batch ranking loss and the (queries x documents)
    similarity matrix. `save_pretrained` writes the plain encoder."""

    def __init__(self, encoder: Any, scale: float = SCALE):
        super().__init__()
        self.encoder = encoder
        self.scale = scale

    @property
    def config(self) -> Any:
        return self.encoder.config

    @property
    def base_model(self) -> nn.Module:  # what the methods' helpers call the backbone
        encoder: nn.Module = self.encoder
        return encoder

    def get_input_embeddings(self) -> nn.Module:
        embeddings: nn.Module = self.encoder.get_input_embeddings()
        return embeddings

    def resize_token_embeddings(self, *args: Any, **kwargs: Any) -> Any:
        return self.encoder.resize_token_embeddings(*args, **kwargs)

    def save_pretrained(self, directory: Any, **kwargs: Any) -> None:
        self.encoder.save_pretrained(directory, **kwargs)

    def embed(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder(**inputs).last_hidden_state
        return nn.functional.normalize(mean_pool(hidden, inputs["attention_mask"]), dim=-1)

    def forward(  # every input named: the Trainer passes on only the columns forward's signature lists
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        positive_input_ids: torch.Tensor | None = None,
        positive_attention_mask: torch.Tensor | None = None,
        positive_token_type_ids: torch.Tensor | None = None,
        negative_input_ids: torch.Tensor | None = None,
        negative_attention_mask: torch.Tensor | None = None,
        negative_token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> Any:
        from transformers.modeling_outputs import SequenceClassifierOutput

        given = {key: value for key, value in locals().items() if isinstance(value, torch.Tensor)}
        parts = {prefix: _part(given, prefix) for prefix in ("", "positive_", "negative_")}
        queries = self.embed(parts[""])
        if not parts["positive_"]:
            return SequenceClassifierOutput(logits=queries)
        documents = torch.cat([self.embed(p) for key, p in parts.items() if key and p])
        scores = queries @ documents.T * self.scale
        target = torch.arange(len(queries), device=scores.device)
        loss = nn.functional.cross_entropy(scores.float(), target)
        return SequenceClassifierOutput(loss=loss, logits=scores)


def _part(batch: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {key: batch[prefix + key] for key in MODEL_KEYS if prefix + key in batch}


class TripletCollator:
    """Pads queries, positives and negatives separately (multiples of 16); a batch keeps negatives only when
    every row has one. Training rows get `labels` (the diagonal), so the Trainer evaluates them."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        batch: dict[str, Any] = {}
        for prefix in ("", "positive_", "negative_"):
            if not all(prefix + "input_ids" in row for row in rows):
                continue
            part = [{key: row[prefix + key] for key in MODEL_KEYS if prefix + key in row} for row in rows]
            padded = self.tokenizer.pad(part, pad_to_multiple_of=PAD_MULTIPLE, return_tensors="pt")
            batch.update({prefix + key: value for key, value in padded.items()})
        if rows and "labels" in rows[0]:
            batch["labels"] = torch.arange(len(rows))
        return batch


class EmbeddingTask(BaseTask):
    name = "embedding"

    def columns(self, data: DataConfig) -> dict[str, str]:
        return {"data.query_column": data.query_column, "data.positive_column": data.positive_column}

    # --- data -------------------------------------------------------------------------------------

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        report = DataReport()
        for role, table in splits.items():
            missing = check_columns(table, self.columns(data))
            report.problems += missing
            if missing:
                continue
            report.stats[role] = {"rows": len(table)}
            for column in self.columns(data).values():
                empty = [
                    line
                    for value, line in zip(table.column(column), table.lines, strict=True)
                    if is_missing(value)
                ]
                report.problems += [
                    Problem(str(table.path), line, f"empty {column}", "fill it in or delete the row")
                    for line in empty[:5]
                ]
        return report

    def examples(self, table: Table, data: DataConfig) -> Examples:
        columns = [data.query_column, data.positive_column]
        texts = [[str(v) for v in table.column(c)] for c in columns]
        if data.negative_column in table.columns:
            texts.append(["" if is_missing(v) else str(v) for v in table.column(data.negative_column)])
        else:
            texts.append([""] * len(table))
        inputs = list(zip(*texts, strict=True))
        return Examples(table.path, inputs, [item[1] for item in inputs], list(table.lines))

    def inputs(self, table: Table, data: DataConfig) -> list[Any]:
        column = data.query_column if data.query_column in table.columns else data.text_column
        problems = check_columns(table, {"data.query_column": column})
        if problems:
            raise DataError(problems)
        return ["" if is_missing(v) else str(v) for v in table.column(column)]

    def text_of(self, item: Any) -> str:
        return str(item) if isinstance(item, str) else " \n ".join(t for t in item if t)

    def stratify_key(self, examples: Examples) -> list[str]:
        return [""] * len(examples)

    def labels(self, train: Examples) -> list[str]:
        return []

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        return {"documents": len(set(examples.targets))}

    # --- model ------------------------------------------------------------------------------------

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        from transformers import AutoModel

        return EmbeddingModel(AutoModel.from_pretrained(model_path, **load_options))

    def load_trained(self, model_dir: str) -> Any:
        from transformers import AutoModel

        return EmbeddingModel(AutoModel.from_pretrained(model_dir))

    def encode(self, inputs: Sequence[Any], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        features: list[dict[str, Any]] = []
        for index, item in enumerate(inputs):
            texts = {"query": item} if isinstance(item, str) else dict(zip(ROLES, item, strict=False))
            for role, text in texts.items():
                if role == "query" or text:
                    encoded = tokenizer(text, truncation=True, max_length=max_length)
                    features.append(
                        {
                            **{k: encoded[k] for k in MODEL_KEYS if k in encoded},
                            "example": index,
                            "role": role,
                        }
                    )
        return features

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        """Nothing: the targets are the batch's diagonal (`TripletCollator`)."""

    def collator(self, tokenizer: Any) -> TripletCollator:
        return TripletCollator(tokenizer)

    def training_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows: dict[int, dict[str, Any]] = {}
        for feature in features:
            prefix = "" if feature["role"] == "query" else feature["role"] + "_"
            row = rows.setdefault(feature["example"], {"labels": 0})
            row.update({prefix + key: feature[key] for key in MODEL_KEYS if key in feature})
        return [rows[i] for i in sorted(rows)]

    def compute_loss(self, model: Any, inputs: dict[str, Any]) -> tuple[Any, Any] | None:
        return None  # EmbeddingModel computes the in-batch loss itself

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        merged: list[dict[str, np.ndarray]] = [{} for _ in range(count)]
        for output, feature in zip(outputs, features, strict=True):
            merged[feature["example"]][feature["role"]] = output
        return merged

    # --- run state: none ----------------------------------------------------------------------------

    def fit_targets(self, train: Examples) -> None:
        """Nothing to learn from the targets."""

    def tune(self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]) -> None:
        """No decision settings: a ranking has no threshold."""

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Nothing kept in task.json."""

    # --- scores -----------------------------------------------------------------------------------

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        """In-batch ranks (the Trainer's validation): each query against its batch's documents."""
        scores, gold = np.asarray(predictions, dtype=np.float64), np.asarray(label_ids, dtype=np.int64)
        return rank_metrics(ranks(scores, gold))

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        documents, gold = corpus_of(list(targets))
        vectors: dict[int, np.ndarray] = {}
        for prediction, index in zip(predictions, gold, strict=True):
            vectors.setdefault(int(index), prediction["positive"])
        queries = np.stack([p["query"] for p in predictions]) if len(predictions) else np.zeros((0, 1))
        corpus = np.stack([vectors[i] for i in range(len(documents))]) if documents else np.zeros((0, 1))
        return rank_metrics(ranks(queries @ corpus.T, gold))

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        return {**self.scores(predictions, targets, labels), "corpus_size": len(set(targets))}

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        return {"embedding": " ".join(f"{x:.6f}" for x in prediction["embedding"])}

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        return [{"embedding": [round(float(x), 6) for x in p["query"]]} for p in predictions]
