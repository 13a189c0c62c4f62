"""Request bodies of the OpenAI-compatible endpoints (chat completions, completions).

Only what vertune honours is typed; other OpenAI fields (user, presence_penalty, ...) are accepted and
ignored, as OpenAI clients send some of them by default. `n` must be 1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant"]
    content: str | list[TextPart]

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class SamplingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str | None = Field(None, description="a served model; optional when one model is served")
    max_tokens: int | None = Field(None, ge=1, description="tokens to generate at most; null = the run's")
    max_completion_tokens: int | None = Field(None, ge=1, description="the newer name of max_tokens")
    temperature: float | None = Field(None, ge=0, le=2, description="0 = greedy; null = the run's")
    top_p: float | None = Field(None, gt=0, le=1)
    stop: str | list[str] | None = Field(None, description="up to 4 strings that end the completion")
    n: int = Field(1, description="completions per prompt; only 1 is supported")
    stream: bool = False
    stream_options: StreamOptions | None = None
    seed: int | None = None

    def stop_strings(self) -> tuple[str, ...]:
        stop = [self.stop] if isinstance(self.stop, str) else (self.stop or [])
        return tuple(s for s in stop if s)


class ChatCompletionRequest(SamplingRequest):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 32}]
        },
    )
    messages: list[ChatMessage] = Field(min_length=1)


class CompletionRequest(SamplingRequest):
    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"examples": [{"prompt": "Once", "max_tokens": 16}]}
    )
    prompt: str | list[str]
