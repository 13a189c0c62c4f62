"""`vertune runs [DIR]` / api.runs: the run directories as rows (name, task, model, method, metric,
status, parent), from the directories alone (tracking off: no MLflow store involved)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from helpers import vertune
from vertune import api
from vertune.errors import RunDirError


@pytest.fixture
def runs(trained_run: Path, tmp_path: Path) -> Path:
    """runs/: the trained run, a child of it, an abandoned run, a comparison's trial one level down."""
    root = tmp_path / "runs"
    keep = shutil.ignore_patterns("checkpoints", "model", "plots", "report.*")
    shutil.copytree(trained_run, root / "reviews", ignore=keep)
    child = root / "reviews-v2"
    shutil.copytree(trained_run, child, ignore=keep)
    lineage = json.loads((child / "lineage.json").read_text())
    lineage |= {"parent_run": str((root / "reviews").resolve()), "created": "2999-01-01T00:00:00+0000"}
    (child / "lineage.json").write_text(json.dumps(lineage))
    (child / "promotion.json").write_text(json.dumps({"promotions": [{"alias": "production", "version": 1}]}))
    abandoned = root / "abandoned"
    abandoned.mkdir()
    for name in ("recipe.yaml", "lineage.json"):
        shutil.copy(trained_run / name, abandoned / name)
        os.utime(abandoned / name, (time.time() - 3600, time.time() - 3600))
    shutil.copytree(trained_run, root / "cmp" / "runs" / "full-seed1", ignore=keep)
    return root


def test_the_api_lists_every_run_with_its_status_and_parent(runs):
    rows = {row.name: row for row in api.runs(runs).rows}
    metrics = json.loads((runs / "reviews" / "metrics.json").read_text())
    metric = metrics["recipe"]["metric"]

    assert set(rows) == {"reviews", "reviews-v2", "abandoned", "cmp/runs/full-seed1"}
    first = rows["reviews"]
    assert (first.task, first.model, first.method) == (
        metrics["recipe"]["task"],
        metrics["recipe"]["model"],
        metrics["recipe"]["method"],
    )
    assert first.metric == metric and first.value == pytest.approx(metrics["test"][metric])
    assert first.status == "finished" and first.parent is None
    assert rows["reviews-v2"].parent == "reviews" and rows["reviews-v2"].promoted == ["production"]
    assert rows["abandoned"].status == "incomplete" and rows["abandoned"].value is None
    assert rows["abandoned"].task == metrics["recipe"]["task"]  # from recipe.yaml
    assert api.runs(runs).rows[-1].name == "reviews-v2"  # oldest first


def test_the_cli_prints_a_table_or_json_lines_and_refuses_a_missing_folder(runs, tmp_path):
    table = vertune("runs", str(runs))
    assert table.returncode == 0, table.stderr
    for word in ("reviews-v2", "abandoned", "incomplete", "finished (production)", "cmp/runs/full-seed1"):
        assert word in table.stdout

    lines = vertune("runs", str(runs), "--json")
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert {r["name"] for r in rows} == {"reviews", "reviews-v2", "abandoned", "cmp/runs/full-seed1"}

    missing = vertune("runs", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    with pytest.raises(RunDirError):
        api.runs(tmp_path / "nowhere")
