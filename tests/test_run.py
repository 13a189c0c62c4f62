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
