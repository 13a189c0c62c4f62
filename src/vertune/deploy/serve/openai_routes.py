"""OpenAI-compatible generation for `task: generation` runs, on the same server as /v1/predict:

    POST /v1/chat/completions   {"messages": [...], "max_tokens", "temperature", "top_p", "stop", "stream"}
    POST /v1/completions        {"prompt": "text", ...}
    GET  /v1/models             (app.py) every served model, OpenAI's list shape

Any OpenAI client works with `base_url="http://HOST:PORT/v1"` and the server's API key (or any key when none
is set). `stream: true` answers server-sent events (`data: {chunk}` ... `data: [DONE]`). Limits: the
model's context length (config.max_position_embeddings) holds the prompt and the completion, so `max_tokens`
may be at most the context minus the prompt's tokens. A prompt over `--max-text-chars` characters, or one
that leaves no room for a single token, is 413; an explicit `max_tokens` over the room the prompt leaves
(the room is in the message), `n` other than 1 or a malformed body is 422. Without `max_tokens`, the run's
`generation.max_new_tokens` is used, cut to the room left. The model runs one request at
a time (the Engine's lock), in a worker thread, so the event loop stays free.

Prometheus: generated / prompt tokens, tokens per second of each completion, time to first token of each
stream, besides the server's request counts and latency.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from prometheus_client import Counter, Histogram
from starlette.concurrency import run_in_threadpool

from vertune.deploy.serve.app import ApiError, counted_request, pick_model
from vertune.deploy.serve.extensions import ServeContext
from vertune.deploy.serve.metrics import LATENCY_BUCKETS, multiprocess
from vertune.deploy.serve.openai_schemas import ChatCompletionRequest, CompletionRequest, SamplingRequest
from vertune.deploy.serve.schemas import ModelInfo

SPEED_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass
class ServedGenerator:
    """A generation run behind the OpenAI routes (`extensions.MODEL_LOADERS["generation"]`)."""

    name: str
    run: str
    engine: Any  # vertune.generation.engine.Engine

    @property
    def context(self) -> int:
        return int(self.engine.context_length)

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def info(self) -> ModelInfo:
        return ModelInfo(
            name=self.name,
            task="generation",
            runtime="torch",
            labels=[],
            max_length=self.context,
            run=self.run,
        )


def load(name: str, run_path: str, config: Any, metrics: Any) -> ServedGenerator:
    from vertune.generation.engine import Engine, GenerationOptions

    # No silent truncation of long prompts when serving: the request is refused (413) instead.
    engine = Engine.from_run(run_path, name=name, max_prompt_tokens=None)
    engine.complete(["warm up"], GenerationOptions(max_new_tokens=1))  # first pass allocates
    return ServedGenerator(name, run_path, engine)


class GenerationMetrics:
    def __init__(self, context: ServeContext):
        registry = None if multiprocess() else context.metrics.registry
        self.tokens = Counter(
            "vertune_generation_tokens", "Tokens read and written.", ["model", "kind"], registry=registry
        )
        self.speed = Histogram(
            "vertune_generation_tokens_per_second",
            "Generated tokens per second, per completion.",
            ["model"],
            buckets=SPEED_BUCKETS,
            registry=registry,
        )
        self.first_token = Histogram(
            "vertune_time_to_first_token_seconds",
            "Time from request to the first streamed text.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def completed(self, model: str, prompt: int, completion: int, seconds: float) -> None:
        self.tokens.labels(model, "prompt").inc(prompt)
        self.tokens.labels(model, "completion").inc(completion)
        if seconds > 0 and completion:
            self.speed.labels(model).observe(completion / seconds)


def add_routes(app: FastAPI, context: ServeContext) -> None:
    generation = GenerationMetrics(context)
    config, server = context.config, context.metrics

    def served(name: str | None) -> ServedGenerator:
        model = pick_model(context.state["models"], name)
        if not isinstance(model, ServedGenerator):
            raise ApiError(422, f"model {model.name} is not a generation run; it answers /v1/predict")
        if not context.state["ready"]:
            raise ApiError(503, "shutting down", {"Retry-After": "1"}, kind="overload")
        return model

    async def answer(body: SamplingRequest, prompt: Any, chat: bool) -> Any:
        started = time.perf_counter()
        model = served(body.model)
        with counted_request(server, model.name, started):
            options, prompt_tokens = _checked(model, body, prompt, chat, config.max_text_chars)
            ids = _Ids(model.name, chat)
            if body.stream:
                include_usage = bool(body.stream_options and body.stream_options.include_usage)
                events = _stream(
                    model, prompt, chat, options, ids, prompt_tokens, include_usage, started, generation
                )
                return StreamingResponse(events, media_type="text/event-stream")
            completion = (await run_in_threadpool(model.engine.complete, [prompt], options, chat))[0]
            generation.completed(
                model.name,
                completion.prompt_tokens,
                completion.completion_tokens,
                time.perf_counter() - started,
            )
            return ids.whole(
                completion.text, completion.finish_reason, _usage(prompt_tokens, completion.completion_tokens)
            )

    @app.post("/v1/chat/completions", dependencies=[Depends(context.authorise)], tags=["openai"])
    async def chat_completions(body: ChatCompletionRequest) -> Any:
        """OpenAI chat completions: the run's chat template; `stream: true` for server-sent events."""
        messages = [{"role": m.role, "content": m.text()} for m in body.messages]
        return await answer(body, messages, chat=True)

    @app.post("/v1/completions", dependencies=[Depends(context.authorise)], tags=["openai"])
    async def completions(body: CompletionRequest) -> Any:
        """OpenAI (legacy) completions: the prompt is continued as raw text, without the chat template."""
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if len(prompts) != 1:
            raise ApiError(422, f"prompt: {len(prompts)} prompts in one request; give one")
        return await answer(body, prompts[0], chat=False)


def _checked(
    model: ServedGenerator, body: SamplingRequest, prompt: Any, chat: bool, max_chars: int
) -> tuple[Any, int]:
    """The generation options of a request, and its prompt's tokens; ApiError for what breaks a limit."""
    if body.n != 1:
        raise ApiError(422, f"n={body.n}: only n=1 is supported")
    stop = body.stop_strings()
    if len(stop) > 4:
        raise ApiError(422, f"stop: {len(stop)} strings; at most 4")
    texts = [m["content"] for m in prompt] if isinstance(prompt, list) else [prompt]
    if not any(t.strip() for t in texts):
        raise ApiError(422, "the prompt is empty; give some text")
    chars = sum(len(t) for t in texts)
    if chars > max_chars:
        raise ApiError(413, f"the prompt has {chars} characters; at most {max_chars}")
    engine = model.engine
    defaults = engine.defaults
    prompt_tokens = len(engine.encode_prompt(prompt, chat))
    room = model.context - prompt_tokens  # the model's context holds the prompt and the completion
    if room < 1:
        raise ApiError(
            413,
            f"the prompt has {prompt_tokens} tokens; the model's context of {model.context} leaves no room "
            "for an answer",
        )
    asked = body.max_completion_tokens or body.max_tokens
    if asked is not None and asked > room:
        raise ApiError(
            422,
            f"max_tokens {asked} is over the limit: the model's context of {model.context} tokens minus "
            f"the prompt's {prompt_tokens} leaves {room}",
        )
    max_tokens = asked if asked is not None else min(defaults.max_new_tokens, room)
    options = dataclasses.replace(
        defaults,
        max_new_tokens=max_tokens,
        temperature=defaults.temperature if body.temperature is None else body.temperature,
        top_p=defaults.top_p if body.top_p is None else body.top_p,
        stop=stop or defaults.stop,
        seed=body.seed,
    )
    return options, prompt_tokens


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class _Ids:
    """The id, object names and timestamp that every part of one OpenAI answer shares."""

    def __init__(self, model: str, chat: bool):
        self.model, self.chat = model, chat
        self.id = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def _choice(self, text: str | None, finish: str | None, whole: bool) -> dict[str, Any]:
        if not self.chat:
            return {"index": 0, "text": text or "", "logprobs": None, "finish_reason": finish}
        if whole:
            content = {"message": {"role": "assistant", "content": text}}
        else:
            content = {"delta": {} if text is None else {"role": "assistant", "content": text}}
        return {"index": 0, **content, "logprobs": None, "finish_reason": finish}

    def _envelope(self, chunk: bool) -> dict[str, Any]:
        kind = ("chat.completion" if self.chat else "text_completion") + (
            ".chunk" if chunk and self.chat else ""
        )
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def whole(self, text: str, finish: str, usage: dict[str, int]) -> dict[str, Any]:
        return {**self._envelope(False), "choices": [self._choice(text, finish, True)], "usage": usage}

    def chunk(self, text: str | None, finish: str | None = None) -> str:
        body = {**self._envelope(True), "choices": [self._choice(text, finish, False)]}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def usage_chunk(self, usage: dict[str, int]) -> str:
        return f"data: {json.dumps({**self._envelope(True), 'choices': [], 'usage': usage})}\n\n"


def _stream(
    model: ServedGenerator,
    prompt: Any,
    chat: bool,
    options: Any,
    ids: _Ids,
    prompt_tokens: int,
    include_usage: bool,
    started: float,
    metrics: GenerationMetrics,
) -> Iterator[str]:
    """Server-sent events; Starlette iterates this in a worker thread. The Engine's stream stops
    generating when this generator is closed (the client went away)."""
    text, first = "", True
    for piece in model.engine.stream(prompt, options, chat=chat):
        if first:
            metrics.first_token.labels(model.name).observe(time.perf_counter() - started)
            first = False
        text += piece
        yield ids.chunk(piece)
    completion = model.engine.count_tokens(text) if text else 0
    finish = "length" if completion >= options.max_new_tokens else "stop"  # re-tokenised: close, not exact
    metrics.completed(model.name, prompt_tokens, completion, time.perf_counter() - started)
    yield ids.chunk(None, finish)
    if include_usage:
        yield ids.usage_chunk(_usage(prompt_tokens, completion))
    yield "data: [DONE]\n\n"
