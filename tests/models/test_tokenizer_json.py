"""JsonTokenizer (tokenizer.json through the `tokenizers` library) gives the features transformers' tokenizer
gives, for every way the text tasks encode, on the real MiniLM tokenizer; and the numpy padding of a batch is
the torch collator's."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import TRAIN_CSV
from vertune.models.batching import pad_arrays
from vertune.models.tokenizer_json import JsonTokenizer
from vertune.tasks import windows

LONG = " ".join(f"word{i} and Ünïcödé 布洛芬 text" for i in range(40))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    reviews = pd.read_csv(TRAIN_CSV)["text"].astype(str).tolist()[:40]
    return [*reviews, LONG, "émojis 🙂 and  spaces\tand\nnewlines", "x"]


@pytest.fixture(scope="module")
def tokenizers(minilm_dir):
    """Both readings of the base model's tokenizer, whose tokenizer.json holds a fixed padding to 128 and a
    truncation at 128 that a call must override."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir), JsonTokenizer.from_dir(minilm_dir)


@pytest.mark.parametrize(
    "options",
    [{}, {"chunk": True, "overlap": 8}, {"chunk": True, "overlap": 32}, {"pairs": True}],
    ids=["truncate", "windows-8", "windows-32", "pairs"],
)
def test_features_are_transformers_features(tokenizers, texts, options):
    reference, light = tokenizers
    inputs = list(zip(texts, reversed(texts), strict=True)) if options.get("pairs") else texts
    for max_length in (16, 64):
        expected = windows.encode_texts(inputs, reference, max_length, **options)
        assert windows.encode_texts(inputs, light, max_length, **options) == expected


def test_padding_attributes_are_transformers(tokenizers):
    reference, light = tokenizers
    assert (light.pad_token_id, light.pad_token_type_id, light.padding_side) == (
        reference.pad_token_id,
        reference.pad_token_type_id,
        reference.padding_side,
    )


def test_numpy_padding_is_the_torch_collators(tokenizers, texts):
    reference, light = tokenizers
    features = windows.encode_texts(list(zip(texts, texts, strict=True)), light, 40, pairs=True)[:9]
    collated = windows.WindowCollator(reference)(features)
    padded = pad_arrays(features, list(collated), light)
    assert padded.keys() == collated.keys()
    for name, array in padded.items():
        assert array.tolist() == collated[name].tolist(), name
