"""metrics.json: one versioned schema, written atomically, validated when read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vertune.errors import RunDirError
from vertune.metrics_schema import RunMetrics, Scores, parse_metrics, read_metrics, write_metrics


def train_metrics() -> dict[str, Any]:
    """A classification train run's metrics.json as api.train writes it (before the schema existed)."""
    return {
        "recipe": {
            "model": "minilm",
            "task": "classification",
            "method": "full",
            "metric": "macro_f1",
            "summary_metrics": ["accuracy", "macro_f1", "weighted_f1"],
            "output": "runs/x",
        },
        "validation": {"accuracy": 0.9, "macro_f1": 0.88, "examples": 20},
        "test": {
            "accuracy": 0.85,
            "macro_f1": 0.8,
            "per_class": {"a": {"precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 10}},
            "confusion_matrix": {"labels": ["a", "b"], "matrix": [[9, 1], [2, 8]]},
            "examples": 20,
        },
        "baselines": {
            "tfidf_logreg": {"accuracy": 0.7, "macro_f1": 0.6, "seconds": 0.5, "description": "TF-IDF"}
        },
        "train": {
            "seconds": 10.0,
            "training_seconds": 8.0,
            "samples_per_second": None,
            "trainable_params": 100,
            "total_params": 1000,
            "best_step": None,
            "resumed_from": None,
            "method": "full",
            "head_init": "random",
            "head_accuracy": 0.5,  # a head initialisation's own key
        },
        "data": {
            "train": {"rows": 80, "classes": {"a": 40, "b": 40}, "median_tokens": 12.0},
            "test": {"rows": 20, "classes": {"a": 10, "b": 10}},
            "warnings": ["data.csv:3: text repeats row 2"],
        },
        "vocabulary": {
            "added_tokens": 3,
            "initialised_from_pieces": 2,
            "initialised_from_mean": 1,
            "examples": ["x", "y", "z"],
            "unknown_before": {"train": {"tokens": 10, "unknown": 2, "share": 0.2}},
            "unknown_after": {"train": {"tokens": 10, "unknown": 0, "share": 0.0}},
        },
    }


def ner_scores() -> dict[str, Any]:
    return {
        "f1": 0.7,
        "precision": 0.72,
        "recall": 0.68,
        "macro_f1": 0.6,
        "token_accuracy": 0.95,
        "per_class": {"PER": {"precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 4}},
        "errors": {"correct": 3, "missed": 1, "spurious": 0},
        "type_confusions": {"PER -> ORG": 1},
        "confusion_matrix": {"labels": ["PER", "O"], "matrix": [[3, 1], [0, 0]]},
        "examples": 5,
    }


def compress_metrics() -> dict[str, Any]:
    measured = {"runtime": "onnx-int8", "precision": "fp32", "test": {"macro_f1": 0.8}, "size_mb": 20.0}
    latency = {"p50_ms": 4.0, "p99_ms": 6.0, "throughput_bs32": 300.0}
    return {
        "recipe": {
            "model": "minilm",
            "task": "classification",
            "method": "compress:quantize",
            "metric": "macro_f1",
            "output": "runs/x-int8",
            "parent": "runs/x",
        },
        "test": {"macro_f1": 0.79},
        "compression": {
            "method": "quantize",
            "quantization": "dynamic int8",
            "export": {"verified": True},
            "seconds": 3.2,
            "parent": {**measured, **latency, "runtime": "torch"},
            "compressed": {**measured, **latency},
            "delta": {"macro_f1": -0.01, "size_ratio": 0.25, "p50_speedup": 2.0, "throughput_speedup": 1.5},
            "warnings": ["the compressed model's test macro_f1 collapsed"],
            "machine": {"cpu": "x86"},
        },
        "data": train_metrics()["data"],
    }


def evaluate_metrics() -> dict[str, Any]:
    return {
        "recipe": {
            "model": "runs/x",
            "task": "ner",
            "metric": "f1",
            "summary_metrics": ["f1"],
            "data": "t.txt",
        },
        "test": ner_scores(),
        "data": {"test": {"rows": 5}, "warnings": []},
    }


@pytest.mark.parametrize("make", [train_metrics, compress_metrics, evaluate_metrics])
def test_every_writer_shape_round_trips(tmp_path: Path, make: Any) -> None:
    original = make()
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(original), encoding="utf-8")  # written before the schema existed
    metrics = read_metrics(path)
    assert metrics.schema_version == 1
    write_metrics(path, metrics)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert next(iter(written)) == "schema" and written.pop("schema") == 1
    assert written == original  # nothing added, dropped or retyped
    assert read_metrics(path) == metrics


def test_typed_access() -> None:
    metrics = parse_metrics(train_metrics())
    assert metrics.test is not None and metrics.test.value("macro_f1") == 0.8
    assert metrics.test.value("rmse") is None
    assert metrics.test.per_class is not None and metrics.test.per_class["a"].support == 10
    assert metrics.baselines is not None and metrics.baselines["tfidf_logreg"].seconds == 0.5
    assert metrics.train is not None and metrics.train.get("head_accuracy") == 0.5
    assert metrics.data is not None and set(metrics.data.splits()) == {"train", "test"}
    train = metrics.data.split("train")
    assert train is not None and train.rows == 80 and metrics.data.split("validation") is None
    assert metrics.scores("validation") is metrics.validation
    ner = Scores.model_validate(ner_scores())
    assert ner.errors == {"correct": 3, "missed": 1, "spurious": 0}
    assert ner.metrics()["token_accuracy"] == 0.95


def test_built_in_code_and_written(tmp_path: Path) -> None:
    metrics = RunMetrics.model_validate(
        {"recipe": {"task": "regression", "metric": "rmse"}, "test": {"rmse": 1.5, "examples": 3}}
    )
    write_metrics(tmp_path / "m.json", metrics)
    assert json.loads((tmp_path / "m.json").read_text()) == {
        "schema": 1,
        "recipe": {"task": "regression", "metric": "rmse"},
        "test": {"rmse": 1.5, "examples": 3},
    }
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, no temporary file left


def test_retention_and_continual_are_typed() -> None:
    row = {"parent": 0.8, "child": 0.75, "delta": -0.05}
    continual = {
        "strategy": "replay+l2sp",
        "metric": "macro_f1",
        "new_test_set": "new.csv",
        "test_sets": ["old.csv", "new.csv"],
        "forgetting": 0.05,
        "matrix": [{"model": "runs/a", "test_set": "old.csv", "scores": {"old.csv": 0.8, "new.csv": None}}],
    }
    metrics = parse_metrics({**train_metrics(), "retention": {"old.csv": row}, "continual": continual})
    assert metrics.retention is not None and metrics.retention["old.csv"].delta == -0.05
    assert metrics.continual is not None and metrics.continual.matrix[0].scores["new.csv"] is None
    with pytest.raises(RunDirError, match="retention"):
        parse_metrics({**train_metrics(), "retention": {"old.csv": 0.8}})


def test_intervals_and_comparisons_are_typed() -> None:
    test = {**train_metrics()["test"], "intervals": {"macro_f1": [0.7, 0.9]}}
    comparison = {
        "difference": 0.05,
        "interval": [-0.01, 0.1],
        "p_value": 0.2,
        "verdict": "ties (difference within noise)",
    }
    metrics = parse_metrics({**train_metrics(), "test": test, "comparisons": {"tfidf_logreg": comparison}})
    assert metrics.test is not None and metrics.test.intervals == {"macro_f1": [0.7, 0.9]}
    assert metrics.comparisons is not None and metrics.comparisons["tfidf_logreg"].verdict.startswith("ties")
    with pytest.raises(RunDirError, match="verdict"):
        parse_metrics({**train_metrics(), "comparisons": {"x": {**comparison, "verdict": "wins"}}})
    with pytest.raises(RunDirError, match="intervals"):
        parse_metrics({**train_metrics(), "test": {**test, "intervals": {"macro_f1": [0.7]}}})


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not a readable JSON metrics file"),
        ("[1, 2]", "expected a JSON object of metrics"),
        (json.dumps({**train_metrics(), "schema": 2}), "metrics schema 2 is not one this vertune reads"),
        (json.dumps({"test": {"macro_f1": 0.8}}), "recipe: Field required"),
        (json.dumps({**train_metrics(), "tset": {}}), "tset: Extra inputs are not permitted"),
        (json.dumps({**train_metrics(), "test": {"macro_f1": "high"}}), "test.macro_f1"),
    ],
)
def test_broken_files_name_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RunDirError, match=expected) as raised:
        read_metrics(path)
    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="no metrics file"):
        read_metrics(tmp_path / "metrics.json")


def test_imports_no_torch() -> None:
    import subprocess
    import sys

    code = "import sys, vertune.metrics_schema; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
