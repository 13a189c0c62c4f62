"""The team-server path: a real `mlflow server` on a loopback port, a real `vertune train` with
`tracking.uri` pointing at it, and what the run logged read back through MLflow's client."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import TINY_TRAINING, vertune, write_recipe

pytestmark = pytest.mark.e2e

#: Bounded start-up wait: `mlflow server` imports a lot and starts uvicorn in a child (~5 s idle, ~60 s
#: on the shared 2-core machine under load).
START_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    env = {
        **os.environ,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # no job workers: a faster start, fewer processes
    }
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--backend-store-uri", f"sqlite:///{folder / 'server.db'}"]
    command += ["--artifacts-destination", str(folder / "artefacts"), "--workers", "1"]
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"mlflow server not up in {START_SECONDS} s"
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its uvicorn child
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_a_train_run_is_logged_to_the_team_server(mlflow_server, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("VERTUNE_TRACKING", raising=False)
    recipe = write_recipe(
        tmp_path,
        training=dict(TINY_TRAINING),
        evaluation={"baselines": ["tfidf_logreg"]},
        tracking={"uri": mlflow_server, "experiment": "team"},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]

    run = tmp_path / "run"
    record = json.loads((run / "tracking.json").read_text())
    assert record["uri"] == mlflow_server and not (tmp_path / "mlflow.db").exists()  # no local store
    client = MlflowClient(tracking_uri=mlflow_server)
    logged = client.get_run(record["run_id"])
    assert logged.info.status == "FINISHED"
    assert client.get_experiment(logged.info.experiment_id).name == "team"

    metrics = json.loads((run / "metrics.json").read_text())
    metric = metrics["recipe"]["metric"]
    assert logged.data.metrics[f"test/{metric}"] == pytest.approx(metrics["test"][metric])
    assert logged.data.metrics[f"baseline/tfidf_logreg/{metric}"] == pytest.approx(
        metrics["baselines"]["tfidf_logreg"][metric]
    )
    assert len(client.get_metric_history(record["run_id"], f"eval/{metric}")) == TINY_TRAINING["epochs"]
    assert logged.data.params["training.max_length"] == str(TINY_TRAINING["max_length"])
    assert logged.data.params["tracking.uri"] == mlflow_server
    assert logged.data.tags["vertune.kind"] == "train" and logged.data.tags["vertune.method"] == "full"

    # the artefacts went through the server's proxy and come back byte for byte
    downloaded = Path(client.download_artifacts(record["run_id"], "metrics.json", str(tmp_path)))
    assert json.loads(downloaded.read_text()) == metrics
    names = {a.path for a in client.list_artifacts(record["run_id"])}
    assert {"report.html", "recipe.yaml", "lineage.json"} <= names and "model" not in names
