import pytest

from vertune.data.readers import Table
from vertune.errors import DataError, RecipeError
from vertune.recipe import DataConfig
from vertune.tasks import get_task
from vertune.tasks.pair import PairClassificationTask, PairScoreTask


def table(path, columns):
    n = len(next(iter(columns.values())))
    return Table(path, list(columns), columns, list(range(2, n + 2)))


def test_pair_target_picks_classification_or_score():
    assert isinstance(get_task("pair", DataConfig(train="x.csv")), PairClassificationTask)
    score = get_task("pair", DataConfig(train="x.csv", pair_target="score"))
    assert isinstance(score, PairScoreTask) and score.default_metric == "rmse"


def test_missing_pair_column_is_an_error_naming_the_recipe_key(tmp_path):
    data = DataConfig(train=tmp_path / "t.csv", text_pair_column="hypothesis")
    task = get_task("pair", data)
    train = table(tmp_path / "t.csv", {"text": ["a", "b"], "label": ["x", "y"]})
    messages = [str(p) for p in task.validate({"train": train}, data, None, None).errors]
    assert any("'hypothesis' not found" in m and "data.text_pair_column" in m for m in messages), messages
    with pytest.raises(DataError):
        task.inputs(train, data)


def test_empty_second_text_and_pair_duplicates(tmp_path):
    data = DataConfig(train=tmp_path / "t.csv")
    task = get_task("pair", data)
    train = table(
        tmp_path / "t.csv",
        {"text": ["a", "a", "a", "b"], "text_pair": ["x", "y", "x", ""], "label": ["1", "0", "1", "0"]},
    )
    report = task.validate({"train": train}, data, None, None)
    assert any("t.csv:5" in str(p) and "empty text" in str(p) for p in report.errors)
    duplicates = [str(p) for p in report.warnings if "repeats" in str(p)]
    assert duplicates == [p for p in duplicates if "t.csv:4" in p] and len(duplicates) == 1  # same pair only


def test_pairs_are_encoded_together_with_segment_ids(minilm_dir, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    data = DataConfig(train=tmp_path / "t.csv")
    task = get_task("pair", data)
    inputs = task.inputs(table(tmp_path / "t.csv", {"text": ["a cat"], "text_pair": ["a dog"]}), data)
    assert inputs == [("a cat", "a dog")]
    (feature,) = task.encode(inputs, tokenizer, 32)
    assert feature["token_type_ids"].count(1) == 3  # "a dog [SEP]"
    assert "a cat" in task.text_of(inputs[0]) and "a dog" in task.text_of(inputs[0])


def test_chunking_pairs_is_refused():
    with pytest.raises(RecipeError, match="long_text: chunk is not supported for text pairs"):
        get_task("pair", DataConfig(train="x.csv", long_text="chunk"))
