"""How the server grows without one module knowing every endpoint.

Two registries, each one line per feature:

- `ROUTE_EXTENSIONS`: `"module:function"` entries; each function `add_routes(app, context)` adds its
  endpoints to the FastAPI app (with `Depends(context.authorise)` for the API key) and may read the served
  models from `context.state["models"]`.
- `MODEL_LOADERS`: task name -> `"module:function"` for runs that are not served through the classic
  predictor + micro-batcher of `/v1/predict` (generation, embedding). The function
  `load(name, run_path, config, metrics)` returns an object with `name`, `run`, `info() -> ModelInfo`,
  `start()` and `async stop()`; it lands in `context.state["models"][name]` like every served model.

Entries are imported when the app is built, so `vertune serve` only imports what it serves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROUTE_EXTENSIONS: list[str] = [
    "vertune.deploy.serve.explain_routes:add_routes",  # POST /v1/explain
    "vertune.deploy.serve.alerts:add_routes",  # --alert-drift / --alert-error-rate (a request middleware)
    "vertune.deploy.serve.alias:add_routes",  # serve --alias: follow promotions without a restart
    "vertune.deploy.serve.embedding_routes:add_routes",  # /v1/embeddings, /v1/search
    "vertune.deploy.serve.openai_routes:add_routes",  # /v1/chat/completions, /v1/completions
]

MODEL_LOADERS: dict[str, str] = {
    "embedding": "vertune.deploy.serve.embedding_routes:load",
    "generation": "vertune.deploy.serve.openai_routes:load",
}


@dataclass
class ServeContext:
    config: Any  # ServeConfig
    metrics: Any  # ServeMetrics
    state: dict[str, Any]  # {"models": {name: served}, "ready": bool}
    authorise: Callable[..., None]  # a FastAPI dependency: Depends(context.authorise)


def _load(reference: str) -> Callable[..., Any]:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def route_extensions() -> list[Callable[[Any, ServeContext], None]]:
    return [_load(reference) for reference in ROUTE_EXTENSIONS]


def model_loader(task: str) -> Callable[..., Any] | None:
    reference = MODEL_LOADERS.get(task)
    return _load(reference) if reference else None
