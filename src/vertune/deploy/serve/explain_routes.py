"""POST /v1/explain: token attributions (Integrated Gradients, models/explain.py) of a served model's
prediction, for classification, pair (classes) and NER runs.

    {"inputs": "text" | {"text", "text_pair"} | [... up to MAX_INPUTS], "model": "name",
     "label": "a class to explain instead of the predicted one", "steps": 1-200, "max_tokens": N}

Bounded: at most MAX_INPUTS inputs, `steps` integration steps (each a forward and backward pass) and
`max_tokens` pieces per input; past them a 413 / 422 with one line. One explanation runs at a time per
server (a lock), in a thread, beside the micro-batcher's predictions.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from vertune.deploy.serve.extensions import ServeContext
from vertune.deploy.serve.schemas import Input, TextPair

MAX_INPUTS = 8
MAX_STEPS = 200


class ExplainRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"inputs": "the drug gave me a rash", "steps": 16}]}
    )
    model: str | None = Field(None, description="Which served model; optional when one model is served.")
    inputs: Input | list[Input] = Field(description=f"One input or up to {MAX_INPUTS}.")
    label: str | None = Field(None, description="Explain this class instead of the predicted one.")
    steps: int = Field(32, ge=1, le=MAX_STEPS, description="Integration steps.")
    max_tokens: int = Field(256, ge=4, le=4096, description="Refuse inputs with more tokens than this.")


class ExplainResponse(BaseModel):
    model: str
    explanations: list[dict[str, Any]]


def add_routes(app: FastAPI, context: ServeContext) -> None:
    from vertune.deploy.serve.app import ApiError, Served, pick_model

    lock = asyncio.Lock()
    explainers: dict[tuple[str, int, int], Any] = {}

    def explain(model: Served, inputs: list[Any], body: ExplainRequest) -> list[dict[str, Any]]:
        from vertune.errors import ExplainError
        from vertune.models.explain import Explainer

        key = (model.name, body.steps, body.max_tokens)
        try:
            if key not in explainers:
                explainers.clear()
                explainers[key] = Explainer(model.batcher.predictor, body.steps, body.max_tokens)
            return explainers[key].explain(inputs, body.label)
        except ExplainError as error:
            status = 413 if "tokens" in str(error) and "at most" in str(error) else 422
            raise ApiError(status, str(error)) from None

    @app.post(
        "/v1/explain",
        dependencies=[Depends(context.authorise)],
        response_model=ExplainResponse,
        responses={code: {"model": dict} for code in (401, 404, 413, 422, 503)},
    )
    async def explain_route(body: ExplainRequest) -> ExplainResponse:
        model = pick_model(context.state["models"], body.model)
        if not isinstance(model, Served):
            raise ApiError(422, f"model {model.name} does not answer /v1/explain (see GET /v1/models)")
        if not context.state["ready"]:
            raise ApiError(503, "shutting down", {"Retry-After": "1"})
        items = body.inputs if isinstance(body.inputs, list) else [body.inputs]
        if not items or len(items) > MAX_INPUTS:
            raise ApiError(
                413 if items else 422, f"give 1 to {MAX_INPUTS} inputs to explain, not {len(items)}"
            )
        inputs: list[Any] = []
        for i, item in enumerate(items):
            texts = [item.text, item.text_pair] if isinstance(item, TextPair) else [item]
            if any(not text.strip() for text in texts):
                raise ApiError(422, f"inputs[{i}] is empty; give non-empty texts")
            if any(len(text) > context.config.max_text_chars for text in texts):
                raise ApiError(413, f"inputs[{i}] is longer than {context.config.max_text_chars} characters")
            inputs.append((item.text, item.text_pair) if isinstance(item, TextPair) else item)
        pairs = model.batcher.predictor.task.reads_pairs
        if any(isinstance(i, tuple) != pairs for i in inputs):
            raise ApiError(422, f"model {model.name} reads {'text pairs' if pairs else 'single texts'}")
        async with lock:
            explanations = await asyncio.to_thread(explain, model, inputs, body)
        return ExplainResponse(model=model.name, explanations=explanations)
