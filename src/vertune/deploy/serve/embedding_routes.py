"""Serving `task: embedding` runs: OpenAI-compatible `POST /v1/embeddings`, and `POST /v1/search` over the
corpus given at start (`vertune serve RUN --corpus docs.jsonl`: a jsonl / csv / tsv / parquet file with a
`text` column and an optional `id`).

The corpus is embedded once at start by each served embedding run. Up to `EXACT_LIMIT` documents the index
is exact (one matrix product, numpy); above it, FAISS HNSW over inner products (the vectors are unit length,
so inner product = cosine), which answers in well under a millisecond per query at a million documents for
a small loss of recall.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vertune.deploy.serve.schemas import ModelInfo
from vertune.errors import DataError, Problem

log = logging.getLogger("vertune.serve")
#: corpora up to this many documents get the exact index, larger ones FAISS HNSW
EXACT_LIMIT = 20_000


# --- the corpus and its index ---------------------------------------------------------------------


@dataclass
class Corpus:
    ids: list[str]
    texts: list[str]


def read_corpus(path: str | Path) -> Corpus:
    """The documents of a corpus file; a DataError (one line each) for a missing file, column or text."""
    from vertune.data.readers import read_table
    from vertune.data.validate import is_missing

    table = read_table(path)
    if "text" not in table.columns:
        raise DataError([Problem(str(path), None, "no `text` column", "give each document a `text` field")])
    texts = table.column("text")
    empty = [line for text, line in zip(texts, table.lines, strict=True) if is_missing(text)]
    if empty or not texts:
        where = empty[0] if empty else None
        raise DataError([Problem(str(path), where, "empty document text", "fill it in or delete the row")])
    ids = table.column("id") if "id" in table.columns else [str(i) for i in range(len(texts))]
    return Corpus([str(i) for i in ids], [str(t) for t in texts])


class SearchIndex:
    """Top-k by inner product over unit vectors: exact below `exact_limit` documents, FAISS HNSW above."""

    def __init__(self, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT):
        self.size = len(vectors)
        self.kind = "exact" if self.size <= exact_limit else "faiss-hnsw"
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.faiss: Any = None
        if self.kind != "exact":
            import faiss

            self.faiss = faiss.IndexHNSWFlat(self.vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            self.faiss.hnsw.efSearch = 128
            self.faiss.add(self.vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, indices), each (queries, min(k, size)), best first."""
        k = min(k, self.size)
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if self.faiss is not None:
            scores, indices = self.faiss.search(queries, k)
            return scores, indices
        similarities = queries @ self.vectors.T
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(similarities, top, axis=1).argsort(axis=1)[:, ::-1]
        indices = np.take_along_axis(top, order, axis=1)
        return np.take_along_axis(similarities, indices, axis=1), indices


# --- a served embedding run -----------------------------------------------------------------------


@dataclass
class ServedEmbedding:
    name: str
    run: str
    encoder: Any  # vertune.models.embed.Encoder
    corpus: Corpus | None = None
    index: SearchIndex | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def info(self) -> ModelInfo:
        return ModelInfo(
            name=self.name,
            task="embedding",
            runtime="torch",
            labels=[],
            max_length=self.encoder.max_length,
            run=self.run,
        )

    def start(self) -> None:
        """Nothing runs in the background: each request embeds in a worker thread."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def embed(self, texts: list[str]) -> np.ndarray:
        with self.lock:  # one forward pass at a time on the shared model
            vectors: np.ndarray = self.encoder.encode(texts)
            return vectors


def load(name: str, run_path: str, config: Any, metrics: Any) -> ServedEmbedding:
    """MODEL_LOADERS["embedding"]: the run's encoder, and the corpus index when `--corpus` was given."""
    from vertune.models.embed import Encoder
    from vertune.run import RunDir

    run = RunDir(run_path)
    max_length = run.load_recipe().training.max_length
    served = ServedEmbedding(name, run_path, Encoder.from_directory(run.model_dir, max_length))
    corpus_path = getattr(config, "corpus", None)
    if corpus_path:
        served.corpus = read_corpus(corpus_path)
        served.index = SearchIndex(served.encoder.encode(served.corpus.texts))
        log.info("%s: %d documents indexed (%s)", name, served.index.size, served.index.kind)
    return served


# --- the routes -----------------------------------------------------------------------------------


class EmbeddingsRequest(BaseModel):
    """OpenAI's embeddings request (`user` is accepted and ignored)."""

    model_config = ConfigDict(extra="forbid")
    input: str | list[str] = Field(description="A text or a list of texts.")
    model: str | None = Field(None, description="Which served model; optional when one model is served.")
    # The official `openai` client asks for base64 unless told otherwise, and decodes it itself.
    encoding_format: Literal["float", "base64"] = Field(
        "float", description="float: lists of numbers; base64: little-endian float32 bytes, base64-encoded"
    )
    dimensions: int | None = Field(None, description="Must equal the model's embedding size when given.")
    user: str | None = None


def encode_vector(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    """One embedding as OpenAI returns it: a list of floats, or the base64 of its float32 bytes."""
    if encoding_format == "base64":
        return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(description="The text to search the corpus for.")
    top_k: int = Field(10, ge=1, le=1000)
    model: str | None = None


def add_routes(app: Any, context: Any) -> None:
    from fastapi import Depends

    from vertune.deploy.serve.app import ApiError, pick_model

    config = context.config

    def served(name: str | None) -> ServedEmbedding:
        model = pick_model(context.state["models"], name)
        if not isinstance(model, ServedEmbedding):
            raise ApiError(422, f"model {model.name} is not an embedding run (see GET /v1/models)")
        return model

    def check(texts: list[str]) -> None:
        if not texts:
            raise ApiError(422, "input is empty; give at least one text")
        if len(texts) > config.max_items:
            raise ApiError(413, f"{len(texts)} inputs in one request; at most {config.max_items}")
        for i, text in enumerate(texts):
            if not text.strip():
                raise ApiError(422, f"input[{i}] is empty; give non-empty texts")
            if len(text) > config.max_text_chars:
                raise ApiError(413, f"input[{i}] has {len(text)} characters; at most {config.max_text_chars}")

    @app.post("/v1/embeddings", dependencies=[Depends(context.authorise)])
    async def embeddings(body: EmbeddingsRequest) -> dict[str, Any]:
        model = served(body.model)
        texts = [body.input] if isinstance(body.input, str) else list(body.input)
        check(texts)
        size = model.encoder.dimensions
        if body.dimensions is not None and body.dimensions != size:
            raise ApiError(
                422, f"dimensions {body.dimensions}: model {model.name} gives {size}-dimensional vectors"
            )
        vectors = await asyncio.to_thread(model.embed, texts)
        tokens = sum(
            len(ids)
            for ids in model.encoder.tokenizer(texts, truncation=True, max_length=model.encoder.max_length)[
                "input_ids"
            ]
        )
        context.metrics.inputs.labels(model.name).inc(len(texts))
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": encode_vector(v, body.encoding_format)}
                for i, v in enumerate(vectors)
            ],
            "model": model.name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @app.post("/v1/search", dependencies=[Depends(context.authorise)])
    async def search(body: SearchRequest) -> dict[str, Any]:
        model = served(body.model)
        if model.index is None or model.corpus is None:
            raise ApiError(
                422, "no corpus to search: start the server with --corpus FILE (jsonl with `text`)"
            )
        check([body.query])
        vector = await asyncio.to_thread(model.embed, [body.query])
        scores, indices = model.index.search(vector, body.top_k)
        corpus = model.corpus
        results = [
            {"rank": rank + 1, "id": corpus.ids[i], "text": corpus.texts[i], "score": round(float(s), 6)}
            for rank, (s, i) in enumerate(zip(scores[0], indices[0], strict=True))
            if i >= 0
        ]
        context.metrics.inputs.labels(model.name).inc()
        return {
            "model": model.name,
            "index": model.index.kind,
            "corpus_size": model.index.size,
            "results": results,
        }
