import random
from pathlib import Path

import pytest

from vertune.data.augment import augment_train, eda, units
from vertune.errors import RecipeError
from vertune.recipe import AugmentOptions, recipe_from_dict
from vertune.tasks.base import Examples


def test_eda_moves_the_texts_own_words_and_is_seeded():
    text = "the new drug gave me a terrible rash after two weeks"
    first = eda(text, random.Random(1), alpha=0.2)
    assert first == eda(text, random.Random(1), alpha=0.2) != text
    assert set(first.split()) <= set(text.split())  # nothing from outside the text
    assert eda("single", random.Random(0)) == "single"
    assert units("这个药很好用") == (list("这个药很好用"), "")  # characters for Chinese


def test_only_training_rows_grow_by_the_factor():
    train = Examples(Path("t.csv"), ["a b c d", "e f g h", ("x y z", "u v w")], ["p", "n", "p"], [2, 3, 4])
    grown = augment_train(train, AugmentOptions(factor=2), "classification", seed=0)
    assert len(grown) == 9 and grown.inputs[:3] == train.inputs
    assert grown.targets[3:] == ["p", "p", "n", "n", "p", "p"] and grown.lines[3:] == [2, 2, 3, 3, 4, 4]
    assert isinstance(grown.inputs[-1], tuple)
    assert augment_train(train, None, "classification", 0) is train
    half = augment_train(train, AugmentOptions(factor=0.5), "classification", seed=0)
    assert 3 <= len(half) <= 6
    with pytest.raises(RecipeError, match="not on task ner"):
        augment_train(train, AugmentOptions(), "ner", 0)
    with pytest.raises(RecipeError, match=r"data.augment.method"):
        recipe_from_dict({"model": "minilm", "data": {"train": "t.csv", "augment": {"method": "gpt"}}})


def test_the_data_stage_augments_train_and_leaves_validation_and_test_alone():
    from helpers import TEST_CSV, TRAIN_CSV
    from vertune.data.prepare import prepare_splits
    from vertune.tasks import get_task

    raw = {"model": "minilm", "data": {"train": str(TRAIN_CSV), "test": str(TEST_CSV)}}
    plain = prepare_splits(recipe_from_dict(raw), get_task("classification"))
    raw["data"]["augment"] = {"factor": 1.0}
    grown = prepare_splits(recipe_from_dict(raw), get_task("classification"))
    assert len(grown.train) == 2 * len(plain.train)
    assert grown.validation.inputs == plain.validation.inputs and grown.test.inputs == plain.test.inputs
