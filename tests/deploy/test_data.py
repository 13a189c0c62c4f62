"""deploy/data.py: a run's splits read back with the run's own task (its data options) and checked files."""

import json

import pytest
import yaml

from vertune.deploy.data import labelled_file, run_splits
from vertune.errors import DataError
from vertune.recipe import load_recipe
from vertune.run import RunDir, write_json_atomic
from vertune.train.lineage import build_lineage

ROWS = [("worse acne; weight gain", "negative;Acne"), ("no side effects", "positive"), ("fine", "positive")]


def _multilabel_run(tmp_path):
    """A multilabel run whose labels are split on ';' (not the default '|'), as training leaves it."""
    lines = ["text,labels", *(f'"{text}",{labels}' for text, labels in ROWS * 6)]
    train = tmp_path / "train.csv"
    train.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recipe_path = tmp_path / "recipe.yaml"
    data = {"train": str(train), "label_column": "labels", "label_delimiter": ";"}
    recipe_path.write_text(yaml.safe_dump({"model": "minilm", "task": "multilabel", "data": data}))
    recipe = load_recipe(recipe_path)
    run = RunDir(tmp_path / "run").create()
    run.recipe_path.write_text(recipe.to_yaml())
    write_json_atomic(run.labels_path, {"labels": ["Acne", "negative", "positive"]})
    write_json_atomic(run.lineage_path, build_lineage(recipe))
    return run, train


def test_run_splits_reads_a_custom_label_delimiter(tmp_path):
    run, _ = _multilabel_run(tmp_path)
    splits = run_splits(run)
    assert splits.labels == ["Acne", "negative", "positive"]
    assert sum(len(s) for s in (splits.train, splits.validation, splits.test)) == 18
    assert labelled_file(run, run.load_recipe().data.train).targets[0] == ["negative", "Acne"]


def test_run_splits_names_a_data_file_changed_since_training(tmp_path):
    run, train = _multilabel_run(tmp_path)
    train.write_text(train.read_text(encoding="utf-8").replace("fine", "fine!"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        run_splits(run)
    (problem,) = caught.value.problems
    assert problem.file == str(train) and "changed since" in problem.message
    assert json.loads(run.lineage_path.read_text())["data"]["train"]["path"] == str(train)


def test_run_splits_of_a_pair_score_run_read_scores(tmp_path):
    lines = ["text,text_pair,label", *(f"a{i},b{i},{i / 4}" for i in range(20))]
    train = tmp_path / "pairs.csv"
    train.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recipe_path = tmp_path / "recipe.yaml"
    data = {"train": str(train), "pair_target": "score"}
    recipe_path.write_text(yaml.safe_dump({"model": "minilm", "task": "pair", "data": data}))
    recipe = load_recipe(recipe_path)
    run = RunDir(tmp_path / "run").create()
    run.recipe_path.write_text(recipe.to_yaml())
    write_json_atomic(run.labels_path, {"labels": ["value"]})
    write_json_atomic(run.lineage_path, build_lineage(recipe))
    splits = run_splits(run)
    assert splits.labels == ["value"] and isinstance(splits.test.targets[0], float)
