"""Issues 4 and 5 on the NER task: a LoRA NER run trains, saves, predicts, exports to ONNX and serves."""

import json

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.deploy.runtimes import load_predictor
from vertune.models.predictor import Predictor

pytestmark = pytest.mark.e2e

TEXTS = ["我在北京见到了张三", "新华社记者报道"]


@pytest.fixture(scope="module")
def lora_ner_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ner_lora")
    recipe = write_recipe(
        directory,
        model={"name": "minilm", "extend_vocab": "from_data", "extend_vocab_min_frequency": 1},
        task="ner",
        data={"train": str(FIXTURES / "msra_ner_train.conll"), "test": str(FIXTURES / "msra_ner_test.conll")},
        method={"name": "lora"},
        training={"epochs": 1, "max_length": 32, "batch_size": 8, "seed": 7},
        evaluation={"baselines": []},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_lora_ner_run_is_a_plain_token_classifier_that_predicts_spans(lora_ner_run):
    from transformers import AutoModelForTokenClassification

    metrics = json.loads((lora_ner_run / "metrics.json").read_text())
    assert metrics["train"]["method"] == "lora"
    assert metrics["train"]["trainable_params"] < 0.2 * metrics["train"]["total_params"]
    assert 0.0 <= metrics["test"]["f1"] <= 1.0
    AutoModelForTokenClassification.from_pretrained(lora_ner_run / "model")  # merged: plain transformers
    result = vertune("predict", str(lora_ner_run), *TEXTS)
    assert result.returncode == 0, result.stderr[-2000:]
    for text, line in zip(TEXTS, result.stdout.splitlines(), strict=True):
        prediction = json.loads(line)
        assert prediction["text"] == text
        for entity in prediction["entities"]:
            assert text[entity["start"] : entity["end"]] == entity["text"]


def test_onnx_export_of_a_ner_run_agrees_with_torch(lora_ner_run):
    result = vertune("export", str(lora_ner_run), "--format", "onnx", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    check = json.loads((lora_ner_run / "onnx" / "export.json").read_text())["runtimes"]["onnx"]
    assert check["max_abs_logit_diff"] < 1e-3 and check["label_agreement"] == 1.0
    torch_entities = Predictor.from_run(lora_ner_run, precision="fp32").predict(TEXTS)
    onnx_entities = load_predictor(lora_ner_run, "onnx").predict(TEXTS)
    strip = [[(e["label"], e["start"], e["end"]) for e in p["entities"]] for p in torch_entities]
    assert strip == [[(e["label"], e["start"], e["end"]) for e in p["entities"]] for p in onnx_entities]


def test_compressed_ner_run_serves_entities_over_http(lora_ner_run):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    result = vertune("compress", str(lora_ner_run), "--quantize", "int8", "--measure-rows", "5", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    child = lora_ner_run.parent / f"{lora_ner_run.name}-int8-onnx"
    compression = json.loads((child / "metrics.json").read_text())["compression"]
    assert 0 <= compression["compressed"]["test"]["f1"] <= 1 and compression["delta"]["size_ratio"] < 0.5
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "vertune", "serve", str(child), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read()[-3000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        response = httpx.post(f"{base}/v1/predict", json={"inputs": TEXTS}, timeout=60)
        assert response.status_code == 200, response.text
        predictions = response.json()["predictions"]
        assert len(predictions) == 2
        for text, prediction in zip(TEXTS, predictions, strict=True):
            for entity in prediction["entities"]:
                assert text[entity["start"] : entity["end"]] == entity["text"]
        assert httpx.post(f"{base}/v1/predict", json={"inputs": 5}, timeout=10).status_code == 422
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
