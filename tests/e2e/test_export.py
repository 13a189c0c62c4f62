"""`vertune export` on a trained run: ONNX files written, verified against PyTorch, usable for predictions."""

import json

import pytest

from helpers import vertune
from vertune.deploy.runtimes import load_predictor
from vertune.models.predictor import Predictor

pytestmark = pytest.mark.e2e


def test_export_onnx_int8_verifies_and_predicts_like_torch(trained_run, copy_of):
    run = copy_of(trained_run)
    result = vertune("export", str(run), "--format", "onnx", "--int8", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "label agreement" in result.stdout and "onnx-int8" in result.stdout
    stored = json.loads((run / "onnx" / "export.json").read_text())
    fp32 = stored["runtimes"]["onnx"]
    assert fp32["max_abs_logit_diff"] < 1e-3 and fp32["label_agreement"] == 1.0
    assert stored["runtimes"]["onnx-int8"]["label_agreement"] is not None
    # MiniLM is BERT-like: the int8 file is fused (one Attention per layer, quantised to QAttention)
    assert stored["int8_fused_ops"]["Attention"] == 6 and stored["int8_fused_ops"]["SkipLayerNormalization"]
    assert stored["verified_on"]["rows"] > 0
    texts = ["the pills worked wonders", "awful headaches every day"]
    torch_labels = [p["label"] for p in Predictor.from_run(run, precision="fp32").predict(texts)]
    assert [p["label"] for p in load_predictor(run, "onnx").predict(texts)] == torch_labels
    assert len(load_predictor(run, "onnx-int8").predict(texts)) == 2


def test_export_rejects_unknown_format_and_a_missing_run(tmp_path, trained_run):
    result = vertune("export", str(trained_run), "--format", "tflite")
    assert result.returncode == 2 and "only onnx" in result.stderr
    result = vertune("export", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such run directory" in result.stderr
