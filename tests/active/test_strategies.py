import numpy as np
import pytest

from vertune.active.strategies import k_center_greedy, select, uncertainty

PROBABILITIES = np.array([[0.98, 0.01, 0.01], [0.4, 0.35, 0.25], [0.5, 0.5, 0.0], [0.7, 0.2, 0.1]])


def test_uncertainty_scores_rank_as_the_textbook_says():
    assert np.argmax(uncertainty(PROBABILITIES, "entropy")) == 1
    assert np.argmax(uncertainty(PROBABILITIES, "margin")) == 2  # a tie between the two best classes
    assert np.argmax(uncertainty(PROBABILITIES, "least_confidence")) == 1
    assert np.argmin(uncertainty(PROBABILITIES, "entropy")) == 0
    order, scores = select("least_confidence", 2, PROBABILITIES)
    assert order == [1, 2] and scores[1] == pytest.approx(0.6)


def test_k_center_greedy_spreads_out_and_avoids_the_labelled():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0], [5.0, 5.0]])
    cluster = {0: "a", 1: "a", 2: "b", 3: "b", 4: "c"}
    assert {cluster[i] for i in k_center_greedy(points, 3)} == {"a", "b", "c"}  # one from each cluster
    picked = k_center_greedy(points, 2, centres=np.array([[0.0, 0.0], [10.0, 0.0]]))
    assert picked[0] == 4  # the farthest from everything labelled
    assert len(set(k_center_greedy(points, 10))) == 5  # never the same row twice, at most all rows


def test_hybrid_picks_diverse_rows_among_the_uncertain_and_random_is_seeded():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1, 1], size=50)
    embeddings = rng.normal(size=(50, 8))
    picked, _ = select("hybrid", 5, probabilities, embeddings, prefilter=2)
    shortlist = set(np.argsort(-uncertainty(probabilities, "entropy"))[:10].tolist())
    assert len(picked) == 5 and set(picked) <= shortlist
    assert select("random", 5, probabilities, seed=1)[0] == select("random", 5, probabilities, seed=1)[0]
    assert select("coreset", 60, probabilities, embeddings)[0].__len__() == 50
