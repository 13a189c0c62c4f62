import json

import pytest

from vertune.errors import RunDirError
from vertune.run import RunDir, write_json_atomic


def test_json_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    path = tmp_path / "metrics.json"
    write_json_atomic(path, {"a": 1, "label": "négatif"})
    write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_a_failed_model_save_keeps_the_previous_model(tmp_path):
    run = RunDir(tmp_path / "run").create()
    run.save_model(lambda d: (d / "config.json").write_text("{}"))

    def crash(directory):
        (directory / "config.json").write_text('{"half": ')
        raise KeyboardInterrupt  # a kill in the middle of writing

    with pytest.raises(KeyboardInterrupt):
        run.save_model(crash)
    assert (run.model_dir / "config.json").read_text() == "{}"
    assert sorted(p.name for p in run.path.iterdir()) == ["model"]


def test_latest_checkpoint_skips_incomplete_ones(tmp_path):
    run = RunDir(tmp_path).create()
    assert run.latest_checkpoint() is None
    for step, complete in ((10, True), (20, True), (30, False)):
        checkpoint = run.checkpoints_dir / f"checkpoint-{step}"
        checkpoint.mkdir(parents=True)
        if complete:
            (checkpoint / "trainer_state.json").write_text("{}")
    assert run.latest_checkpoint().name == "checkpoint-20"


def test_require_model_explains_what_is_missing(tmp_path):
    with pytest.raises(RunDirError, match="no such run directory"):
        RunDir(tmp_path / "nope").require_model()
    with pytest.raises(RunDirError, match="not a finished run"):
        RunDir(tmp_path).require_model()


def test_log_appends_json_lines(tmp_path):
    run = RunDir(tmp_path)
    run.append_log({"step": 1, "loss": 0.5})
    run.append_log({"step": 2, "loss": 0.4})
    assert [r["step"] for r in run.read_log()] == [1, 2]


def test_written_files_follow_the_umask(tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        write_json_atomic(tmp_path / "m.json", {})
    finally:
        os.umask(previous)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def _run_from_recipe(tmp_path, recipe_dict, labels, task_state=None):
    """A run directory as training leaves it before the model: recipe, labels, task state, lineage."""
    import yaml

    from vertune.recipe import load_recipe
    from vertune.train.lineage import build_lineage

    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"model": "minilm", "output": str(tmp_path / "run"), **recipe_dict}))
    recipe = load_recipe(path)
    run = RunDir(tmp_path / "run").create()
    run.recipe_path.write_text(recipe.to_yaml())
    write_json_atomic(run.labels_path, {"labels": labels})
    if task_state is not None:
        write_json_atomic(run.task_state_path, task_state)
    write_json_atomic(run.lineage_path, build_lineage(recipe))
    return run


def _csv(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_load_task_uses_the_recipes_data_options_and_the_saved_state(tmp_path):
    train = _csv(tmp_path, "pairs.csv", ["text,text_pair,label", "a,b,0.5", "c,d,1.5"])
    state = {"target_mean": 1000.0, "target_std": 100.0}
    run = _run_from_recipe(
        tmp_path, {"task": "pair", "data": {"train": str(train), "pair_target": "score"}}, [], state
    )
    task = run.load_task()
    assert task.default_metric == "rmse"  # a score, not a class of the pair
    assert task.state() == state


def test_inherit_copies_what_belongs_with_the_model_and_names_the_parent(tmp_path):
    train = _csv(tmp_path, "train.csv", ["text,label", "good,pos", "bad,neg"])
    parent = _run_from_recipe(
        tmp_path, {"data": {"train": str(train)}}, ["neg", "pos"], {"thresholds": {"neg": 0.3}}
    )
    child = RunDir(tmp_path / "child").inherit(parent)
    for name in ("recipe.yaml", "labels.json", "task.json"):
        assert (child.path / name).read_text() == (parent.path / name).read_text()
    lineage = child.load_lineage()
    assert lineage["parent_run"] == str(parent.path.resolve())
    assert lineage["data"] == parent.load_lineage()["data"]  # the parent's data hashes travel along


def test_a_changed_data_file_is_named(tmp_path):
    from vertune.errors import DataError

    train = _csv(tmp_path, "train.csv", ["text,label", "good,pos", "bad,neg"])
    run = _run_from_recipe(tmp_path, {"data": {"train": str(train)}}, ["neg", "pos"])
    run.check_data_files()
    train.write_text("text,label\ngood,pos\nbad,pos\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train\.csv: the train file changed since .*sha256"):
        run.check_data_files()


def test_a_saved_recipe_loads_back_as_it_was_written(tmp_path):
    train = _csv(tmp_path, "train.csv", ["text,label", "good,pos", "bad,neg"])
    run = _run_from_recipe(
        tmp_path,
        {"data": {"train": str(train), "label_delimiter": "|"}, "method": {"name": "lora", "lora": {"r": 4}}},
        ["neg", "pos"],
    )
    recipe = run.load_recipe()
    assert recipe.to_yaml() == run.recipe_path.read_text()
    assert (recipe.method.name, recipe.method.lora.r, recipe.data.label_delimiter) == ("lora", 4, "|")
