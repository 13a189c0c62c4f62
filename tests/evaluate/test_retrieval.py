"""Retrieval metrics from ranks, the corpus of distinct positives, and BM25 over word / CJK tokens."""

import numpy as np
import pytest

from vertune.evaluate.retrieval import bm25_scores, corpus_of, rank_metrics, ranks, tokens


def test_ranks_and_metrics_by_hand():
    scores = np.array([[0.9, 0.1, 0.2], [0.5, 0.4, 0.3], [0.1, 0.2, 0.3]])
    rank = ranks(scores, np.array([0, 2, 0]))
    assert rank.tolist() == [1, 3, 3]
    metrics = rank_metrics(np.array([1, 3, 11]))
    assert metrics["recall_at_1"] == pytest.approx(1 / 3)
    assert metrics["recall_at_10"] == pytest.approx(2 / 3)
    assert metrics["mrr_at_10"] == pytest.approx((1 + 1 / 3) / 3)
    assert metrics["ndcg_at_10"] == pytest.approx((1 + 1 / np.log2(4)) / 3)


def test_the_corpus_is_each_distinct_positive_once():
    documents, gold = corpus_of(["b", "a", "b"])
    assert documents == ["b", "a"] and gold.tolist() == [0, 1, 0]


def test_bm25_finds_the_document_sharing_words_and_chinese_characters():
    assert tokens("Fed raises RATES; 股市大涨") == ["fed", "raises", "rates", "股", "市", "大", "涨"]
    documents = ["the central bank raised interest rates", "the team won the cup final", "股市今天大涨"]
    scores = bm25_scores(["bank rates", "cup final", "股市"], documents)
    assert scores.argmax(axis=1).tolist() == [0, 1, 2]
