from __future__ import annotations

import pytest

from vertune.generation.metrics import corpus_scores, exact_match, label_scores, token_f1


def test_exact_match_and_token_f1_normalise_case_and_punctuation():
    assert exact_match("Birth control.", "birth control") == 1.0
    assert exact_match("Depression", "Pain") == 0.0
    assert token_f1("the pain", "chronic pain") == pytest.approx(0.5)
    assert token_f1("北京大学", "北京") == pytest.approx(2 * (2 / 4) * 1 / (2 / 4 + 1))


def test_corpus_scores_are_in_0_1_and_perfect_for_identical_texts():
    refs = ["Stocks fell sharply on Monday", "新产品发布会在北京举行"]
    perfect = corpus_scores(refs, refs)
    assert set(perfect) == {"exact_match", "rouge_l", "token_f1", "chrf", "bleu"}
    assert all(v == pytest.approx(1.0) for v in perfect.values())
    partial = corpus_scores(["Stocks fell on Monday", "发布会在上海举行"], refs)
    assert all(0 < v < 1 for k, v in partial.items() if k != "exact_match")
    assert partial["rouge_l"] > 0.5  # CJK compared character by character, not dropped


def test_label_scores():
    assert label_scores(["a", "b", "b"], ["a", "b", "a"], ["a", "b"]) == {
        "accuracy": 0.6667,
        "macro_f1": 0.6667,
    }
