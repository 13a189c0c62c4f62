"""The zero-shot baseline's label sentences, and its cosine decisions with the real frozen MiniLM."""

import numpy as np
import pytest

from vertune.errors import RecipeError
from vertune.evaluate.zero_shot import label_sentences
from vertune.models.embed import Encoder


def test_descriptions_replace_names_and_unknown_labels_are_refused():
    labels = ["sport", "tech_news"]
    assert label_sentences(labels, None) == ["sport", "tech news"]
    assert label_sentences(labels, {"sport": "a match, a team, a score"}) == [
        "a match, a team, a score",
        "tech news",
    ]
    with pytest.raises(RecipeError, match="sports"):
        label_sentences(labels, {"sports": "..."})


def test_cosine_to_label_sentences_picks_the_topic(minilm_dir):
    encoder = Encoder.from_directory(minilm_dir, max_length=32)
    labels = encoder.encode(["sport", "business and the economy"])
    texts = encoder.encode(["the striker scored twice in the cup final", "shares fell as profits dropped"])
    assert np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert (texts @ labels.T).argmax(axis=1).tolist() == [0, 1]
