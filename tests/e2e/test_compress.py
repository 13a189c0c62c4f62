"""`vertune compress` writes a new run with its metrics next to the parent's, and the new run serves."""

import json

import pytest

from helpers import vertune
from vertune.deploy.runtimes import load_predictor
from vertune.run import RunDir

pytestmark = pytest.mark.e2e


def _check_compressed(child, parent):
    metrics = json.loads((child / "metrics.json").read_text())
    c = metrics["compression"]
    for side in ("parent", "compressed"):
        for key in ("size_mb", "p50_ms", "p99_ms", "throughput_bs32"):
            assert c[side][key] > 0
        assert 0 <= c[side]["test"]["macro_f1"] <= 1
    assert set(c["delta"]) >= {"macro_f1", "size_ratio", "throughput_speedup", "p50_speedup"}
    assert metrics["data"]["train"]["classes"]  # the drift reference travels with the run
    assert json.loads((child / "lineage.json").read_text())["parent_run"] == str(parent.resolve())
    assert (child / "report.md").is_file()
    assert load_predictor(child).predict(["it helped a lot"])[0]["label"] in RunDir(child).load_labels()
    return c


def test_compress_quantize_int8_onnx(trained_run, copy_of):
    parent = copy_of(trained_run)
    result = vertune("compress", str(parent), "--quantize", "int8", "--measure-rows", "5", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    child = parent.parent / f"{parent.name}-int8-onnx"
    assert f"run: {child}" in result.stdout
    c = _check_compressed(child, parent)
    assert c["compressed"]["runtime"] == "onnx-int8" and c["delta"]["size_ratio"] < 0.5
    assert (child / "onnx" / "model.int8.onnx").is_file()
    again = vertune("compress", str(parent), "--quantize", "int8")
    assert again.returncode == 2 and "already holds a run" in again.stderr


def test_compress_distill_and_prune(trained_run, copy_of, tmp_path):
    parent = copy_of(trained_run)
    out = tmp_path / "student"
    result = vertune(
        "compress",
        str(parent),
        "--distill",
        "--student-layers",
        "2",
        "--epochs",
        "1",
        "--measure-rows",
        "5",
        "--output",
        str(out),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    c = _check_compressed(out, parent)
    assert json.loads((out / "model" / "config.json").read_text())["num_hidden_layers"] == 2
    assert c["training"]["steps"] > 0
    result = vertune(
        "compress", str(parent), "--prune", "0.3", "--epochs", "1", "--measure-rows", "5", "--quiet"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    c = _check_compressed(parent.parent / f"{parent.name}-pruned30", parent)
    assert c["intermediate_size_after"] < c["intermediate_size_before"]


def test_compress_needs_exactly_one_method(trained_run):
    result = vertune("compress", str(trained_run))
    assert result.returncode == 2 and "exactly one of" in result.stderr
    result = vertune("compress", str(trained_run), "--quantize", "int4")
    assert result.returncode == 2 and "only int8" in result.stderr
