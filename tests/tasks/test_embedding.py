"""`task: embedding` end to end (the session's `embedding_run`: BBC headline -> article start, fixture rows):
retrieval metrics against BM25 and the untuned encoder on the same test corpus, a model/ that plain
transformers loads and mean-pools to the run's own embeddings, predict, and bad input."""

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from helpers import TINY_TRAINING, fails_cleanly, vertune, write_recipe
from vertune import api
from vertune.run import RunDir

pytestmark = pytest.mark.e2e
METRICS = {"recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10"}


def test_scores_against_bm25_and_the_untuned_encoder_on_one_corpus(embedding_run):
    metrics = RunDir(embedding_run).load_metrics()
    assert set(metrics["test"]) >= METRICS
    corpus = metrics["test"]["corpus_size"]
    assert corpus > 10
    for name in ("bm25", "untuned_encoder"):
        baseline = metrics["baselines"][name]
        assert set(baseline) >= METRICS and baseline["corpus_size"] == corpus
        assert 0.0 <= baseline["mrr_at_10"] <= 1.0
    assert "bm25" in (embedding_run / "report.md").read_text()


def test_the_saved_model_is_plain_transformers_with_mean_pooling(embedding_run):
    texts = ["Tech firm buys rival", "Striker signs for club"]
    model = AutoModel.from_pretrained(embedding_run / "model").eval()
    tokenizer = AutoTokenizer.from_pretrained(embedding_run / "model")
    batch = tokenizer(texts, padding=True, truncation=True, max_length=32, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    predicted = np.array([p["embedding"] for p in api.predict(embedding_run, texts)])
    assert predicted.shape == (2, model.config.hidden_size)
    np.testing.assert_allclose(predicted, pooled, atol=2e-2)  # the run predicts in bf16 where native


def test_missing_positive_column_is_one_line(tmp_path):
    (tmp_path / "pairs.csv").write_text(
        "query,answer\nwhat is it,a thing\nwho is it,a person\n", encoding="utf-8"
    )
    recipe = write_recipe(
        tmp_path, task="embedding", data={"train": str(tmp_path / "pairs.csv")}, training=TINY_TRAINING
    )
    fails_cleanly(vertune("train", str(recipe), "--quiet"), "positive")
