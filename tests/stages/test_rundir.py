"""stages/rundir.py: opening a run to train into, and a run derived from a parent."""

import pytest
import yaml

from vertune.errors import RunDirError
from vertune.events import Warning
from vertune.recipe import load_recipe
from vertune.run import RunDir, write_json_atomic
from vertune.stages.rundir import open_derived_run, open_run, recipe_changes


def _recipe(tmp_path, **training):
    path = tmp_path / "recipe.yaml"
    train = tmp_path / "train.csv"
    train.write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    recipe = {"model": "minilm", "data": {"train": str(train)}, "output": str(tmp_path / "run")}
    path.write_text(yaml.safe_dump({**recipe, "training": training}), encoding="utf-8")
    return load_recipe(path)


def test_open_run_refuses_to_replace_a_run_or_delete_a_foreign_directory(tmp_path):
    recipe = _recipe(tmp_path)
    run = open_run(recipe, resume=False, overwrite=False, on_event=print)
    run.recipe_path.write_text(recipe.to_yaml())
    with pytest.raises(RunDirError, match="already holds a run; pass --output DIR"):
        open_run(recipe, resume=False, overwrite=False, on_event=print)
    assert open_run(recipe, resume=False, overwrite=True, on_event=print).path == run.path
    foreign = tmp_path / "notes"
    (foreign / "x.txt").parent.mkdir()
    (foreign / "x.txt").write_text("mine")
    recipe.output = foreign
    with pytest.raises(RunDirError, match="is not a vertune run directory"):
        open_run(recipe, resume=False, overwrite=True, on_event=print)
    with pytest.raises(RunDirError, match="no checkpoint to resume from"):
        open_run(recipe, resume=True, overwrite=False, on_event=print)


def test_resuming_with_a_changed_recipe_warns_per_key(tmp_path):
    recipe = _recipe(tmp_path, epochs=2)
    run = RunDir(recipe.output).create()
    run.recipe_path.write_text(recipe.to_yaml())
    (run.checkpoints_dir / "checkpoint-6").mkdir(parents=True)
    (run.checkpoints_dir / "checkpoint-6" / "trainer_state.json").write_text("{}")
    changed = _recipe(tmp_path, epochs=3)
    received = []
    open_run(changed, resume=True, overwrite=False, on_event=received.append)
    assert received == [Warning("resuming with a changed recipe: training.epochs: 2.0 -> 3.0")]
    assert recipe_changes(recipe, recipe) == []


def test_a_derived_run_starts_with_the_parents_files(tmp_path):
    recipe = _recipe(tmp_path)
    parent = RunDir(tmp_path / "parent").create()
    parent.recipe_path.write_text(recipe.to_yaml())
    write_json_atomic(parent.labels_path, {"labels": ["neg", "pos"]})
    write_json_atomic(parent.task_state_path, {"target_mean": 3.0, "target_std": 1.0})
    child = open_derived_run(parent, tmp_path / "child", overwrite=False)
    assert child.load_task_state() == {"target_mean": 3.0, "target_std": 1.0}
    assert child.load_lineage()["parent_run"] == str(parent.path.resolve())
    with pytest.raises(
        RunDirError, match="already holds a run; pass --output DIR for a new one or --overwrite"
    ):
        open_derived_run(parent, tmp_path / "child", overwrite=False)
