"""schemathesis against `vertune serve`'s own OpenAPI schema: every operation, generated valid and invalid
requests, on a loopback port; no request may get a 5xx. Bounded: few examples per operation, no shrinking,
small server limits (so /v1/explain stays cheap)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from helpers import free_port

pytestmark = pytest.mark.e2e

EXAMPLES = 60  # over all operations, per generation mode


@pytest.fixture(scope="module")
def base_url(trained_run):
    import uvicorn

    from vertune.deploy.serve.app import ServeConfig, create_app

    config = ServeConfig(
        runs=[str(trained_run)], max_items=4, max_text_chars=200, queue_size=8, max_wait_ms=1.0
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        pytest.fail("server did not become ready")
    yield url
    server.should_exit = True
    thread.join(timeout=30)


def test_no_generated_request_gets_a_server_error(base_url) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    seen: dict[str, int] = {}

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=schema.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:
            response = case.call(base_url=base_url, timeout=60)
            seen[f"{case.method} {case.path}"] = seen.get(f"{case.method} {case.path}", 0) + 1
            assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])

        run()
    assert {"POST /v1/predict", "POST /v1/explain", "GET /v1/models"} <= set(seen), seen


def test_explain_endpoint_answers_and_refuses_past_its_bounds(base_url, trained_run) -> None:
    good = httpx.post(
        f"{base_url}/v1/explain", json={"inputs": ["it worked well", "awful rash"], "steps": 4}, timeout=60
    )
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["model"] == trained_run.name and len(body["explanations"]) == 2
    assert all(e["tokens"] and e["label"] == e["explained"] for e in body["explanations"])
    long = httpx.post(f"{base_url}/v1/explain", json={"inputs": "word " * 39, "max_tokens": 8}, timeout=60)
    assert long.status_code == 413 and "at most" in long.json()["error"]
    steps = httpx.post(f"{base_url}/v1/explain", json={"inputs": "fine", "steps": 1000}, timeout=60)
    assert steps.status_code == 422
