"""`vertune export` on a trained run: ONNX files written, verified against PyTorch, usable for predictions,
and `vertune predict --backend onnx` answers as the PyTorch model does without importing torch."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from helpers import TEST_CSV, vertune
from vertune.deploy.runtimes import load_predictor
from vertune.models.predictor import Predictor

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory):
    """A copy of the trained run with `vertune export --int8` done, and that command's result."""
    run = tmp_path_factory.mktemp("exported") / "run"
    shutil.copytree(trained_run, run)
    result = vertune("export", str(run), "--format", "onnx", "--int8", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return run, result


def test_export_onnx_int8_verifies_and_predicts_like_torch(exported):
    run, result = exported
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


def predicted(*args: str) -> list[dict]:
    result = vertune("predict", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_predict_on_onnx_prints_the_torch_predictions(exported):
    """The real MiniLM run, the test split's texts: the same labels, and the same calibrated scores (the
    run's temperature applied by the same decoding) to float precision."""
    run, _ = exported
    texts = pd.read_csv(TEST_CSV)["text"].astype(str).tolist()[:12]
    torch_lines = predicted(str(run), *texts)
    onnx_lines = predicted(str(run), *texts, "--backend", "onnx")
    assert [line["label"] for line in onnx_lines] == [line["label"] for line in torch_lines]
    for onnx_line, torch_line in zip(onnx_lines, torch_lines, strict=True):
        assert onnx_line.keys() == torch_line.keys()
        assert onnx_line["score"] == pytest.approx(torch_line["score"], abs=1e-4)


def test_predict_on_onnx_imports_neither_torch_nor_transformers(exported):
    run, _ = exported
    code = (
        "import sys\n"
        "from vertune.cli import main\n"
        "sys.argv = ['vertune', 'predict', sys.argv[1], 'the pills worked wonders', '--backend', 'onnx']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    prediction, imported = done.stdout.splitlines()
    assert json.loads(prediction)["label"] in json.loads((run / "labels.json").read_text())["labels"]
    assert imported == "[]"


def test_predict_on_onnx_without_an_export_says_how_to_make_one(trained_run):
    result = vertune("predict", str(trained_run), "one text", "--backend", "onnx")
    assert result.returncode == 2 and "vertune export" in result.stderr
