"""`vertune serve` as a real server on a loopback port: good, malformed, oversize and unauthorised requests,
metrics, and a graceful shutdown that finishes the request in flight."""

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from helpers import free_port

pytestmark = pytest.mark.e2e
KEY = "test-key-123"


@pytest.fixture(scope="module")
def server(trained_run):
    port = free_port()
    # A long batching window makes "in flight during SIGTERM" certain, not a race.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vertune",
            "serve",
            str(trained_run),
            "--port",
            str(port),
            "--max-wait-ms",
            "1500",
            "--max-items",
            "8",
            "--max-text-chars",
            "500",
            "--queue-size",
            "16",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "VERTUNE_API_KEY": KEY, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()[-3000:]
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("server did not become ready")
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    yield process, client
    client.close()
    if process.poll() is None:
        process.kill()
        process.wait()


def test_good_requests_single_and_batch(server, trained_run):
    _, client = server
    one = client.post("/v1/predict", json={"inputs": "the medicine worked well"})
    assert one.status_code == 200
    body = one.json()
    assert body["model"] == trained_run.name and len(body["predictions"]) == 1
    assert body["predictions"][0]["label"] in body["predictions"][0]["scores"]
    batch = client.post("/v1/predict", json={"model": trained_run.name, "inputs": ["good", "bad", "meh"]})
    assert batch.status_code == 200 and len(batch.json()["predictions"]) == 3
    models = client.get("/v1/models").json()["data"]
    assert (
        models[0]["id"] == models[0]["name"]
        and models[0]["name"] == trained_run.name
        and models[0]["task"] == "classification"
    )
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200


def test_bad_requests_get_clear_4xx(server):
    _, client = server
    cases = [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "invalid request"),
        ({"json": {"texts": ["x"]}}, 422, "inputs"),
        ({"json": {"inputs": 42}}, 422, "invalid request"),
        ({"json": {"inputs": []}}, 422, "empty"),
        ({"json": {"inputs": "   "}}, 422, "empty"),
        ({"json": {"inputs": ["x"] * 9}}, 413, "at most 8"),
        ({"json": {"inputs": "x" * 501}}, 413, "at most 500"),
        ({"json": {"inputs": "x", "model": "other"}}, 404, "no model named"),
        ({"content": b"x" * 200_000, "headers": {"content-type": "application/json"}}, 413, "over the limit"),
    ]
    for kwargs, status, message in cases:
        response = client.post("/v1/predict", **kwargs)
        assert response.status_code == status, (kwargs, response.text)
        assert message in response.json()["error"], response.text


def test_unauthorised_requests_are_refused(server):
    _, client = server
    base = str(client.base_url)
    assert httpx.post(f"{base}/v1/predict", json={"inputs": "x"}).status_code == 401
    wrong = httpx.post(f"{base}/v1/predict", json={"inputs": "x"}, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["error"]
    assert httpx.get(f"{base}/v1/models").status_code == 401
    assert (
        httpx.post(f"{base}/v1/predict", json={"inputs": "x"}, headers={"X-API-Key": KEY}).status_code == 200
    )


def test_metrics_count_requests_batches_labels_and_errors(server, trained_run):
    _, client = server
    text = client.get("/metrics").text
    name = trained_run.name
    assert f'vertune_requests_total{{model="{name}",status="200"}}' in text
    assert "vertune_request_latency_seconds_bucket" in text
    assert f'vertune_batch_size_count{{model="{name}"}}' in text
    assert "vertune_predicted_labels_total" in text
    assert 'vertune_errors_total{kind="validation"' in text


def test_sigterm_finishes_the_request_in_flight(server):
    process, client = server
    answers = []
    worker = threading.Thread(
        target=lambda: answers.append(client.post("/v1/predict", json={"inputs": "fine"}))
    )
    worker.start()
    time.sleep(0.5)  # the request now waits in the 1.5 s batching window
    process.send_signal(signal.SIGTERM)
    worker.join(60)
    assert answers and answers[0].status_code == 200, answers
    # uvicorn re-raises the signal after its graceful shutdown, so the exit status says SIGTERM
    assert process.wait(60) in (0, -signal.SIGTERM)
    assert "Finished server process" in process.stdout.read()


def test_serve_refuses_bad_arguments_before_starting(tmp_path, trained_run):
    from helpers import vertune

    result = vertune("serve", str(tmp_path / "missing"), "--port", "1")
    assert result.returncode == 2 and "no such run directory" in result.stderr
    twin = tmp_path / "x" / trained_run.name
    result = vertune("serve", str(trained_run), str(twin), "--port", "1")
    assert result.returncode == 2 and "share a directory name" in result.stderr
    result = vertune("serve", str(trained_run), "--backend", "tensorrt", "--port", "1")
    assert result.returncode == 2 and "use torch or onnx" in result.stderr
