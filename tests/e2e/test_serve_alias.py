"""`vertune serve --alias production` follows `vertune promote`: the new version is served without a restart
and no request fails during the swap; /v1/models shows the version."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from helpers import vertune

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _models(client: httpx.Client) -> list[dict]:
    response = client.get("/v1/models")
    assert response.status_code == 200
    return response.json()["data"]


def test_alias_hot_reload_without_dropping_requests(trained_run, copy_of, tmp_path):
    registry = tmp_path / "registry"
    second = copy_of(trained_run)  # another run directory: version 2
    assert vertune("promote", str(trained_run), "--registry", str(registry)).returncode == 0
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vertune",
            "serve",
            "--alias",
            "production",
            "--registry",
            str(registry),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, process.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "server did not become ready"
            try:
                if client.get("/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        [info] = _models(client)
        assert (
            info["name"] == "production"
            and info["version"] == 1
            and info["run"] == str(trained_run.resolve())
        )

        statuses: list[int] = []
        stop = threading.Event()

        def traffic() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
                while not stop.is_set():
                    statuses.append(
                        c.post("/v1/predict", json={"inputs": ["it helped", "no effect"]}).status_code
                    )

        worker = threading.Thread(target=traffic)
        worker.start()
        promoted = vertune("promote", str(second), "--registry", str(registry))
        assert promoted.returncode == 0 and "version 2" in promoted.stdout
        deadline = time.monotonic() + 120
        while _models(client)[0]["version"] != 2:
            assert time.monotonic() < deadline, "the new version was not picked up"
            time.sleep(0.5)
        time.sleep(1.0)  # requests keep flowing on the new model
        stop.set()
        worker.join()
        [info] = _models(client)
        assert info["run"] == str(second.resolve())
        assert statuses and set(statuses) == {200}, statuses
        assert process.poll() is None  # the same process throughout
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
