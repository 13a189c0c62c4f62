"""The request and response bodies of the prediction API (OpenAPI at /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TextPair(BaseModel):
    """An input of two texts (pair tasks: entailment, similarity, question + passage)."""

    model_config = ConfigDict(extra="forbid")
    text: str
    text_pair: str


Input = str | TextPair


class PredictRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"inputs": "the drug gave me a rash"},
                {"model": "reviews", "inputs": ["great", "awful"]},
            ]
        },
    )
    model: str | None = Field(None, description="Which served model; optional when one model is served.")
    inputs: Input | list[Input] = Field(description="One input or a list of inputs (a batch).")


class PredictResponse(BaseModel):
    model: str
    predictions: list[dict[str, Any]]


class ModelInfo(BaseModel):
    name: str
    task: str
    runtime: str
    labels: list[str]
    max_length: int
    run: str
    version: int | None = None  # serve --alias: the promoted version


class ModelCard(ModelInfo):
    """A served model as OpenAI clients list it (`id`, `object`, `owned_by`) plus vertune's details."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "vertune"


class ModelList(BaseModel):
    """GET /v1/models: OpenAI's list shape, so `client.models.list()` works."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorResponse(BaseModel):
    error: str
