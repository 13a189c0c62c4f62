"""`vertune continue` end to end on tiny real data: a parent that knows two classes learns a third (head
grown), a grandchild continues with EWC + LwF over two ancestors' replay; retention, lineage, report,
the replay sha256 check, `vertune promote` (refusing a run that forgets, with its rows) and NER growing a
new entity type."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, TINY_TRAINING, fails_cleanly, vertune

pytestmark = pytest.mark.e2e


def _rows(name: str, labels: set[str]) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["label"] in labels]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """parent (negative / positive) -> child (+ neutral, replay+l2sp) -> grandchild (ewc+lwf, replay)."""
    d = tmp_path_factory.mktemp("continue")
    files = {
        "old_train": _write(d / "old_train.csv", _rows("reviews_train.csv", {"negative", "positive"})[::2]),
        "old_test": _write(d / "old_test.csv", _rows("reviews_test.csv", {"negative", "positive"})),
        "new_train": _write(
            d / "new_train.csv",
            _rows("reviews_train.csv", {"neutral"})[:20] + _rows("reviews_train.csv", {"negative"})[:6],
        ),
        "new_test": _write(d / "new_test.csv", _rows("reviews_test.csv", {"neutral", "negative"})[:16]),
        "third": _write(d / "third.csv", _rows("reviews_train.csv", {"positive", "neutral"})[1::3]),
    }
    recipe = d / "recipe.yaml"
    recipe.write_text(
        yaml.safe_dump(
            {
                "model": "minilm",
                "data": {"train": str(files["old_train"]), "test": str(files["old_test"])},
                "training": TINY_TRAINING,
                "evaluation": {"baselines": []},
                "output": str(d / "runs" / "parent"),
            }
        ),
        encoding="utf-8",
    )
    trained = vertune("train", str(recipe), "--quiet")
    assert trained.returncode == 0, trained.stderr[-3000:]
    parent = d / "runs" / "parent"
    child = d / "runs" / "child"
    result = vertune(
        "continue",
        str(parent),
        "--data",
        str(files["new_train"]),
        "--test",
        str(files["new_test"]),
        "--output",
        str(child),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{files['old_test']}: macro_f1 " in result.stdout and "report:" in result.stdout
    grandchild = d / "runs" / "grandchild"
    result = vertune(
        "continue",
        str(child),
        "--data",
        str(files["third"]),
        "--output",
        str(grandchild),
        "--quiet",
        "--set",
        "continual.strategy=replay+ewc+lwf",
        "--set",
        "continual.fisher_rows=8",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {"parent": parent, "child": child, "grandchild": grandchild, **files}


def test_continue_grows_the_head_and_measures_retention(lineage):
    from vertune.run import RunDir

    parent, child = lineage["parent"], lineage["child"]
    assert json.loads((child / "labels.json").read_text())["labels"] == ["negative", "positive", "neutral"]
    config = json.loads((child / "model" / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive", "2": "neutral"}
    lineage_json = json.loads((child / "lineage.json").read_text())
    assert lineage_json["parent_run"] == str(parent.resolve())
    assert lineage_json["data"]["train"]["path"] == str(lineage["new_train"])
    assert [a["run"] for a in lineage_json["ancestors"]] == [str(parent.resolve())]
    metrics = json.loads((child / "metrics.json").read_text())
    old, new = str(lineage["old_test"]), str(lineage["new_test"])
    assert set(metrics["retention"]) == {old, new}
    row = metrics["retention"][old]
    assert row["delta"] == pytest.approx(row["child"] - row["parent"])
    assert metrics["retention"][new]["parent"] is None  # the parent cannot predict "neutral"
    c = metrics["continual"]
    assert c["strategy"] == "replay+l2sp" and c["new_test_set"] == new and c["replayed_rows"] > 0
    assert c["forgetting"] == pytest.approx(row["parent"] - row["child"])
    assert c["penalties"]["l2sp@parent"] > 0
    # validation (early stopping, the kept checkpoint) holds the replayed share of the parent's validation
    # rows too, scored apart; the final scores reach log.jsonl as in train
    replayed = lineage_json["continual"]["replayed_validation_rows"]
    assert replayed > 0 and c["validation"]["rows"] == {
        "new": metrics["data"]["validation"]["rows"] - replayed,
        "earlier": replayed,
    }
    assert 0 <= c["validation"]["earlier"] <= 1 and 0 <= c["validation"]["new"] <= 1
    last = RunDir(child).read_log()[-1]
    assert last["test/macro_f1"] == pytest.approx(metrics["test"]["macro_f1"])
    assert last["continual/forgetting"] == pytest.approx(c["forgetting"])
    assert [r["model"] for r in c["matrix"]] == [str(parent.resolve()), str(child.resolve())]
    from vertune.deploy.data import run_splits

    # compress / export reproduce a continued run's splits, with the rows it replayed; its labels are the
    # grown ones
    splits = run_splits(RunDir(child))
    assert splits.labels == ["negative", "positive", "neutral"]
    assert len(splits.train) == metrics["data"]["train"]["rows"]
    assert len(splits.validation) == metrics["data"]["validation"]["rows"]
    assert {"negative", "positive", "neutral"} <= set(splits.train.targets)
    report = (child / "report.md").read_text()
    assert "## Retention" in report and "old_test.csv" in report
    assert (child / "plots" / "retention.png").is_file()


def test_grandchild_replays_every_ancestor_with_ewc_and_lwf(lineage):
    parent, child, grandchild = lineage["parent"], lineage["child"], lineage["grandchild"]
    assert (child / "continual" / "fisher.safetensors").is_file()  # EWC's Fisher, stored in the parent
    metrics = json.loads((grandchild / "metrics.json").read_text())
    c = metrics["continual"]
    assert c["strategy"] == "replay+ewc+lwf" and c["penalties"]["ewc"] > 0
    assert c["ancestors"] == [str(parent.resolve()), str(child.resolve())]
    assert len(c["matrix"]) == 3 and c["backward_transfer"] is not None
    assert set(metrics["retention"]) == {
        str(lineage["old_test"]),
        str(lineage["new_test"]),
        f"{lineage['third']} (test split)",
    }
    # the child's row came from its own metrics.json, today's parent row is measured again
    assert c["matrix"][0]["scores"][str(lineage["new_test"])] is None


def test_changed_ancestor_file_stops_replay_and_no_replay_goes_on(lineage, tmp_path):
    parent = tmp_path / "parent"
    shutil.copytree(lineage["parent"], parent)
    recipe = yaml.safe_load((parent / "recipe.yaml").read_text())
    moved = tmp_path / "old_train.csv"
    shutil.copy(lineage["old_train"], moved)
    recipe["data"]["train"] = str(moved)
    (parent / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    lineage_json = json.loads((parent / "lineage.json").read_text())
    lineage_json["data"]["train"]["path"] = str(moved)
    (parent / "lineage.json").write_text(json.dumps(lineage_json))
    with moved.open("a", encoding="utf-8") as handle:
        handle.write("an extra row,positive\n")
    args = ("continue", str(parent), "--data", str(lineage["new_train"]), "--output", str(tmp_path / "c"))
    fails_cleanly(vertune(*args, "--quiet"), str(moved), "sha256", "--no-replay")
    assert not (tmp_path / "c" / "model").exists()
    result = vertune(*args, "--no-replay", "--set", "continual.strategy=none", "--set", "training.epochs=0.2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "left out of the retention table" in result.stderr
    metrics = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert metrics["continual"]["strategy"] == "none" and list(metrics["retention"]) == [
        f"{lineage['new_train']} (test split)"
    ]


def test_promote_refuses_a_run_that_forgets_and_moves_the_alias(lineage, tmp_path):
    child = lineage["child"]
    row = json.loads((child / "metrics.json").read_text())["retention"][str(lineage["old_test"])]
    drop = 100 * (row["parent"] - row["child"])
    registry = tmp_path / "registry"
    refused = vertune("promote", str(child), "--max-drop", f"{drop - 0.5:.4f}", "--registry", str(registry))
    assert refused.returncode == 1, refused.stderr
    assert f"FAIL: earlier test set {lineage['old_test']}: macro_f1" in refused.stdout
    assert "not promoted" in refused.stderr and not (registry / "aliases" / "production.json").exists()
    first = vertune("promote", str(lineage["parent"]), "--registry", str(registry))
    assert first.returncode == 0 and "version 1" in first.stdout, first.stderr
    second = vertune("promote", str(child), "--max-drop", f"{drop + 0.5:.4f}", "--registry", str(registry))
    assert second.returncode == 0 and "version 2" in second.stdout, second.stderr
    alias = json.loads((registry / "aliases" / "production.json").read_text())
    assert alias["run"] == str(child.resolve()) and alias["replaces"] == str(lineage["parent"].resolve())
    record = json.loads((child / "promotion.json").read_text())["promotions"][-1]
    assert record["gate"]["max_drop"] == pytest.approx(drop + 0.5) and record["promoted_by"]
    assert record["promoted_at"].endswith("Z")


def _conll(path: Path, drop: str | None, sentences: int) -> Path:
    blocks = (FIXTURES / "msra_ner_train.conll").read_text(encoding="utf-8").strip().split("\n\n")[:sentences]
    lines = []
    for block in blocks:
        for line in block.splitlines():
            token, tag = line.rsplit(maxsplit=1)
            lines.append(f"{token} {'O' if drop and tag.endswith(drop) else tag}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ner_continue_adds_an_entity_type(tmp_path):
    old = _conll(tmp_path / "old.conll", "ORG", 30)
    recipe = tmp_path / "ner.yaml"
    recipe.write_text(
        yaml.safe_dump(
            {
                "model": "minilm",
                "task": "ner",
                "data": {"train": str(old)},
                "training": {**TINY_TRAINING, "max_length": 64},
                "evaluation": {"baselines": []},
                "output": str(tmp_path / "ner"),
            }
        )
    )
    assert vertune("train", str(recipe), "--quiet").returncode == 0
    assert "B-ORG" not in json.loads((tmp_path / "ner" / "labels.json").read_text())["labels"]
    new = _conll(tmp_path / "new.conll", None, 50)
    result = vertune(
        "continue", str(tmp_path / "ner"), "--data", str(new), "--output", str(tmp_path / "c"), "--quiet"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    labels = json.loads((tmp_path / "c" / "labels.json").read_text())["labels"]
    parent_labels = json.loads((tmp_path / "ner" / "labels.json").read_text())["labels"]
    assert labels[: len(parent_labels)] == parent_labels and labels[len(parent_labels) :] == [
        "B-ORG",
        "I-ORG",
    ]
    metrics = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert metrics["continual"]["metric"] == "f1"
    assert metrics["retention"][f"{old} (test split)"]["parent"] is not None
    assert metrics["retention"][f"{new} (test split)"]["parent"] is None  # ORG is new
