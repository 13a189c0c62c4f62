import numpy as np

from vertune.data.audit import Row, near_duplicates, sort_pairs
from vertune.data.audit_embed import embedding_duplicates, frozen_embeddings, similar_pairs


def test_similar_pairs_keep_each_pair_once_above_the_threshold():
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [1, 0]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs = similar_pairs(vectors, 0.98)
    assert [(i, j) for i, j, _ in pairs] == [(0, 3), (0, 1), (1, 3)]
    assert all(s >= 0.98 for _, _, s in pairs)


def test_paraphrases_are_found_across_splits_by_the_frozen_encoder():
    rows = [
        Row("train", "a.csv", 2, "These tablets made me very dizzy and sick every morning.", "negative"),
        Row("train", "a.csv", 3, "Great results for my migraine, no side effects at all.", "positive"),
        Row("test", "b.csv", 2, "The tablets made me really dizzy and sick each morning!", "positive"),
        Row("test", "b.csv", 3, "great results for my migraine no side effects at all", "positive"),
        Row("test", "b.csv", 4, "The invoice for the office chairs is attached.", "neutral"),
    ]
    vectors = frozen_embeddings("minilm", [r.text for r in rows], max_length=64)
    assert vectors.shape[0] == 5 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    pairs = embedding_duplicates(rows, vectors, threshold=0.85)
    assert [(p["line_a"], p["line_b"], p["where"], p["match"], p["same_label"]) for p in pairs] == [
        (2, 2, "across", "embedding", False)
    ]  # the exact (normalised) pair is not repeated here; the unrelated row pairs with nothing
    assert pairs[0]["text_b"].startswith("The tablets") and 0.85 <= pairs[0]["similarity"] <= 1
    merged = sort_pairs(near_duplicates(rows) + pairs)
    assert [p["match"] for p in merged] == ["embedding", "exact"]  # different labels first
