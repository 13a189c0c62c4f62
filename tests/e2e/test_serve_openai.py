"""`vertune serve` on a generation run, driven by the official `openai` client at a loopback base_url:
chat and text completions, streaming and not, stop strings, the limits (413 / 422), the API key, the model
list, and the Prometheus generation metrics. The run's model is the converted SmolLM2-135M-Instruct."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from vertune.tasks import TASK_NAMES

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif("generation" not in TASK_NAMES, reason="needs task: generation (issue-gen)"),
]
KEY = "test-key-openai"
FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="module")
def generation_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generation run directory whose model/ is SmolLM2 as converted from the packaged GGUF."""
    from vertune.models.resolve import resolve_model

    run = tmp_path_factory.mktemp("serve-openai") / "smol"
    run.mkdir()
    (run / "model").symlink_to(Path(resolve_model("smollm2")), target_is_directory=True)
    recipe = {
        "model": "smollm2",
        "task": "generation",
        "data": {"train": str(FIXTURES / "reviews_train.csv")},
    }
    (run / "recipe.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
    (run / "labels.json").write_text('{"labels": [], "label2id": {}}', encoding="utf-8")
    return run


@pytest.fixture(scope="module")
def base_url(generation_run: Path) -> Iterator[str]:
    import uvicorn

    from vertune.deploy.serve.app import ServeConfig, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(ServeConfig([str(generation_run)], api_key=KEY, max_text_chars=2000))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def client(base_url: str):
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=120)


def test_models_are_listed_the_openai_way(client, generation_run: Path) -> None:
    models = client.models.list().data
    assert [m.id for m in models] == [generation_run.name]
    assert models[0].model_extra["task"] == "generation"


def test_chat_completion_answers_with_usage(client, generation_run: Path) -> None:
    answer = client.chat.completions.create(
        model=generation_run.name,
        messages=[{"role": "user", "content": "What is the capital of France? Answer in one word."}],
        max_tokens=8,
        temperature=0,
    )
    choice = answer.choices[0]
    assert choice.message.role == "assistant" and choice.message.content.strip()
    assert "paris" in choice.message.content.lower()
    assert choice.finish_reason in ("stop", "length")
    assert answer.usage.prompt_tokens > 5 and 0 < answer.usage.completion_tokens <= 8
    assert answer.object == "chat.completion" and answer.model == generation_run.name


def test_streaming_chat_gives_the_same_text_as_a_whole_answer(client, generation_run: Path) -> None:
    question = [{"role": "user", "content": "Name three colours."}]
    whole = client.chat.completions.create(
        model=generation_run.name, messages=question, max_tokens=12, temperature=0
    )
    chunks = list(
        client.chat.completions.create(
            model=generation_run.name,
            messages=question,
            max_tokens=12,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1  # really streamed
    assert text == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_text_completion_streams_and_stops_at_a_stop_string(client, generation_run: Path) -> None:
    whole = client.completions.create(
        model=generation_run.name, prompt="1, 2, 3, 4,", max_tokens=12, temperature=0
    )
    assert whole.choices[0].text.strip() and whole.object == "text_completion"
    stopped = client.completions.create(
        model=generation_run.name, prompt="1, 2, 3, 4,", max_tokens=12, temperature=0, stop=["7"]
    )
    assert "7" not in stopped.choices[0].text and stopped.choices[0].finish_reason == "stop"
    pieces = client.completions.create(
        model=generation_run.name, prompt="1, 2, 3, 4,", max_tokens=12, temperature=0, stream=True
    )
    assert "".join(p.choices[0].text for p in pieces if p.choices) == whole.choices[0].text


def test_limits_and_bad_requests_are_4xx(client, generation_run: Path) -> None:
    import openai

    name = generation_run.name
    user = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.UnprocessableEntityError, match="over the limit"):
        client.chat.completions.create(model=name, messages=user, max_tokens=100_000)
    # the limit is the model's context (8192 for SmolLM2) minus the prompt, not a constant
    with pytest.raises(openai.UnprocessableEntityError, match=r"context of 8192 tokens minus .* leaves 81"):
        client.chat.completions.create(model=name, messages=user, max_tokens=8192)
    above_the_old_cap = client.chat.completions.create(
        model=name, messages=user, max_tokens=3000, temperature=0, stop=[" ", "\n"]
    )
    assert above_the_old_cap.choices[0].finish_reason == "stop"
    with pytest.raises(openai.UnprocessableEntityError, match="only n=1"):
        client.chat.completions.create(model=name, messages=user, n=2)
    with pytest.raises(openai.APIStatusError, match="at most 2000") as error:
        client.chat.completions.create(model=name, messages=[{"role": "user", "content": "x" * 2001}])
    assert error.value.status_code == 413
    with pytest.raises(openai.UnprocessableEntityError, match="invalid request"):
        client.chat.completions.create(model=name, messages=[{"role": "robot", "content": "x"}])
    with pytest.raises(openai.NotFoundError, match="no model named"):
        client.chat.completions.create(model="other", messages=user)


def test_the_api_key_is_required(base_url: str, generation_run: Path) -> None:
    from openai import AuthenticationError, OpenAI

    stranger = OpenAI(base_url=base_url, api_key="wrong", max_retries=0)
    with pytest.raises(AuthenticationError):
        stranger.chat.completions.create(
            model=generation_run.name, messages=[{"role": "user", "content": "hi"}]
        )


def test_metrics_have_tokens_per_second_and_time_to_first_token(base_url: str, client) -> None:
    text = httpx.get(base_url.removesuffix("/v1") + "/metrics").text
    assert "vertune_generation_tokens_per_second_count" in text
    assert "vertune_time_to_first_token_seconds_count" in text
    assert 'vertune_generation_tokens_total{kind="completion"' in text
