"""The NER baseline: each word gets the tag it had most often in the training split (O if never seen).

Its tags go through the same constrained decoding and seqeval scoring as the model's, so the report compares
like with like. It is the classic floor of sequence labelling: it knows names it has seen, nothing else.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

DESCRIPTION = "the tag each word had most often in train (O if unseen), with the model's decoding"


def most_frequent_tag(splits: Any) -> list[np.ndarray]:
    """Per test input, one score row per word: 0 for the word's most frequent train tag, -10 elsewhere."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence, tags in zip(splits.train.inputs, splits.train.targets, strict=True):
        for token, tag in zip(sentence.tokens, tags, strict=True):
            counts[token.lower()][tag] += 1
    index = {label: i for i, label in enumerate(splits.labels)}
    outputs = []
    for sentence in splits.test.inputs:
        scores = np.full((len(sentence.tokens), len(index)), -10.0)
        for row, token in enumerate(sentence.tokens):
            seen = counts.get(token.lower())
            scores[row, index[seen.most_common(1)[0][0]] if seen else index["O"]] = 0.0
        outputs.append(scores)
    return outputs
