"""Serve alert rules: drift and error rate over a sliding window, the gauge on /metrics, the warning that
names the run and the `vertune continue` command, and the webhook POST received by a loopback server."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from vertune.deploy.serve.alerts import AlertRules, check_options, post_webhook
from vertune.errors import VertuneError

RUNS = {"reviews": "runs/reviews"}


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    """A loopback HTTP server that keeps every JSON body POSTed to it."""
    received: list[dict] = []
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with arrived:
                received.append(json.loads(body))
                arrived.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_the_error_rate_fires_over_the_window_and_resolves_when_it_slides_past():
    rules = AlertRules(drift=None, error_rate=0.05, window=20, runs=RUNS)
    for status in [200] * 18 + [422]:  # a client's bad request is not the server failing
        rules.record(status)
    assert rules.evaluate({}) == []
    rules.record(500)
    rules.record(429)
    [fired] = rules.evaluate({})
    assert (fired.status, fired.alert, fired.run) == ("firing", "error_rate", "runs/reviews")
    assert fired.value == pytest.approx(2 / 20) and "2 of the last 20 requests failed" in fired.detail
    assert rules.evaluate({}) == []  # firing already: no second notification
    for _ in range(20):
        rules.record(200)
    [resolved] = rules.evaluate({})
    assert resolved.status == "resolved"


def test_drift_names_the_model_the_run_and_the_continue_command():
    rules = AlertRules(drift=0.2, error_rate=None, window=200, runs=RUNS, request_log="requests.jsonl")
    assert rules.evaluate({"reviews": {"label": 0.1, "length": 0.05}}) == []
    [fired] = rules.evaluate({"reviews": {"label": 0.35, "length": 0.05}})
    assert fired.model == "reviews" and fired.value == 0.35 and "label distribution" in fired.detail
    assert fired.suggestion == "vertune continue runs/reviews --data requests.jsonl"
    assert "runs/reviews" in fired.message and fired.suggestion in fired.message


def test_the_webhook_receives_the_alert_as_json(receiver):
    url, received = receiver
    rules = AlertRules(drift=0.2, error_rate=None, window=200, runs=RUNS)
    [alert] = rules.evaluate({"reviews": {"label": 0.5}})
    post_webhook(url, alert).join(timeout=10)
    assert received[0]["status"] == "firing" and received[0]["run"] == "runs/reviews"
    assert received[0]["message"] == alert.message and received[0]["suggestion"].startswith(
        "vertune continue"
    )


def test_bad_alert_options_are_refused_in_one_line():
    for bad in [
        (0.0, None, 200, None),
        (None, 1.5, 200, None),
        (0.2, None, 0, None),
        (0.2, None, 9, "ftp://x"),
    ]:
        with pytest.raises(VertuneError):
            check_options(*bad)
    with pytest.raises(VertuneError, match="needs a rule"):
        check_options(None, None, 200, "http://127.0.0.1:9/hook")


def test_a_served_run_raises_the_gauge_logs_and_posts(trained_run, receiver, caplog):
    from fastapi.testclient import TestClient

    from vertune.deploy.serve.app import ServeConfig, create_app

    url, received = receiver
    config = ServeConfig(
        [str(trained_run)], alert_drift=0.05, alert_error_rate=0.5, alert_window=8, alert_webhook=url
    )
    with caplog.at_level(logging.WARNING, logger="vertune.serve"), TestClient(create_app(config)) as client:
        before = client.get("/metrics").text
        drift = f'vertune_alert{{alert="drift",model="{trained_run.name}",run="{trained_run}"}}'
        errors = f'vertune_alert{{alert="error_rate",model="all",run="{trained_run}"}}'
        assert f"{drift} 0.0" in before and f"{errors} 0.0" in before
        # one short text repeated: one predicted label, every input in the shortest length bin
        for _ in range(3):
            answer = client.post("/v1/predict", json={"inputs": ["great"] * 4})
            assert answer.status_code == 200
        assert client.post("/v1/predict", json={"inputs": []}).status_code == 422  # not a server error
        after = client.get("/metrics").text
    assert f"{drift} 1.0" in after and f"{errors} 0.0" in after
    # the Prometheus rules shipped in docs/ use only metrics the server exports
    rules = (Path(__file__).parents[2] / "docs" / "prometheus-alerts.yml").read_text()
    groups = yaml.safe_load(rules)["groups"]
    assert {r["alert"] for g in groups for r in g["rules"]} >= {"VertuneDrift", "VertuneErrorRate"}
    for name in set(re.findall(r"vertune_\w+", rules)):
        assert f"# TYPE {name.removesuffix('_total')} " in after or f"# TYPE {name} " in after, name
    warning = next(r.getMessage() for r in caplog.records if "alert firing" in r.getMessage())
    assert str(trained_run) in warning and f"vertune continue {trained_run}" in warning
    for _ in range(100):  # the webhook posts from a thread
        if received:
            break
        threading.Event().wait(0.05)
    assert received[0]["alert"] == "drift" and received[0]["run"] == str(trained_run)
