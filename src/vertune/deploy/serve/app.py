"""The prediction server: FastAPI app over one or more runs, run by uvicorn.

    POST /v1/predict   {"inputs": "text" | ["text", ...] | {"text", "text_pair"}, "model": "name"}
    GET  /v1/models    the served models (name = run directory name), in OpenAI's list shape
    GET  /healthz      the process is up
    GET  /readyz       every model is loaded and the server is not shutting down
    GET  /metrics      Prometheus text format
    GET  /docs         OpenAPI

Errors are JSON `{"error": "..."}`: 401 without a valid API key (when one is set), 404 unknown model,
413 too many inputs / a text too long / a body too large, 422 a malformed request, 429 (Retry-After) when
the model's queue is full, 503 while shutting down. Bad input never reaches the model.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from vertune.deploy.serve.batcher import MicroBatcher, Overloaded
from vertune.deploy.serve.drift import DriftMonitor
from vertune.deploy.serve.extensions import ServeContext, model_loader, route_extensions
from vertune.deploy.serve.metrics import ServeMetrics
from vertune.deploy.serve.schemas import (
    ModelCard,
    ModelInfo,
    ModelList,
    PredictRequest,
    PredictResponse,
    TextPair,
)

log = logging.getLogger("vertune.serve")
CONFIG_ENV = "VERTUNE_SERVE_CONFIG"
# uvicorn closes an idle keep-alive connection after 5 s by default, the same expiry httpx (and many other
# clients) use for their pooled connections. The server counts from when it sent a response, the client from
# when it finished reading it, so under load a client reuses a connection the server has just closed and gets
# a transport error with no HTTP status (2 in 10,000 requests, bench/serve_load.py, 2026-12-06). Holding idle
# connections longer than any common client's pool expiry removes that race.
KEEP_ALIVE_S = 65
API_KEY_ENV = "VERTUNE_API_KEY"


@dataclass
class ServeConfig:
    runs: list[str]
    runtime: str | None = None  # torch | onnx | None (each run's own)
    api_key: str | None = None
    max_batch: int = 32
    max_wait_ms: float = 5.0
    batching: bool = True
    queue_size: int = 256
    max_items: int = 64
    max_text_chars: int = 20_000
    drift_threshold: float = 0.2
    drift_min_samples: int = 100
    # alert rules (deploy/serve/alerts.py): thresholds over a sliding window, an optional webhook
    alert_drift: float | None = None
    alert_error_rate: float | None = None
    alert_window: int = 200
    alert_webhook: str | None = None
    names: list[str] = field(default_factory=list)
    # serve --alias: the run promoted under `alias` in `registry`, followed (deploy/serve/alias.py)
    alias: str | None = None
    registry: str | None = None
    reload_seconds: float = 2.0
    corpus: str | None = None  # embedding runs: the documents /v1/search searches (embedding_routes.py)

    def model_names(self) -> list[str]:
        return self.names or [Path(r).name for r in self.runs]

    @property
    def max_body_bytes(self) -> int:
        # every input at the length limit, with room for JSON escapes and pairs
        return self.max_items * self.max_text_chars * 8 + 65_536


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, kind: str = "validation"
    ):
        super().__init__(message)
        self.status, self.message, self.headers, self.kind = status, message, headers or {}, kind


@dataclass
class Served:
    name: str
    run: str
    runtime: str
    batcher: MicroBatcher
    drift: DriftMonitor

    def start(self) -> None:
        self.batcher.start()

    async def stop(self) -> None:
        await self.batcher.stop()

    def info(self) -> ModelInfo:
        p = self.batcher.predictor
        return ModelInfo(
            name=self.name,
            task=p.task.name,
            runtime=self.runtime,
            labels=p.labels,
            max_length=p.max_length,
            run=self.run,
        )


def load_models(config: ServeConfig, metrics: ServeMetrics) -> dict[str, Served]:
    from vertune.deploy.runtimes import load_predictor, resolve_runtime, run_runtime
    from vertune.run import RunDir

    served: dict[str, Any] = {}
    for name, run_path in zip(config.model_names(), config.runs, strict=True):
        special = model_loader(RunDir(run_path).load_recipe().task)
        if special is not None:  # a run that is not served through /v1/predict (see extensions.py)
            served[name] = special(name, str(run_path), config, metrics)
            continue
        runtime = resolve_runtime(config.runtime, run_runtime(run_path))
        predictor = load_predictor(run_path, runtime, batch_size=max(config.max_batch, config.max_items))
        predictor.predict(["warm up"])  # the first forward pass allocates; do it before /readyz says yes
        train_stats = RunDir(run_path).load_metrics().get("data", {}).get("train", {})
        batcher = MicroBatcher(
            predictor,
            config.max_batch,
            config.max_wait_ms,
            config.queue_size,
            config.batching,
            on_batch=metrics.batch_size.labels(name).observe,
        )
        drift = DriftMonitor(
            name,
            train_stats,
            predictor.max_length,
            config.drift_threshold,
            config.drift_min_samples,
            window=config.alert_window if config.alert_drift is not None else None,
        )
        served[name] = Served(name, str(run_path), runtime, batcher, drift)
        log.info("serving %s (%s, %s) from %s", name, predictor.task.name, runtime, run_path)
    return served


def create_app(config: ServeConfig) -> FastAPI:
    metrics = ServeMetrics()
    state: dict[str, Any] = {"models": {}, "ready": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["models"] = load_models(config, metrics)
        for model in state["models"].values():
            model.start()
        state["ready"] = True
        yield
        state["ready"] = False  # uvicorn has finished the in-flight requests by now
        for model in state["models"].values():
            await model.stop()

    app = FastAPI(title="vertune", description="Predictions from fine-tuned vertune runs.", lifespan=lifespan)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > config.max_body_bytes:
            return _error(413, f"request body of {length} bytes is over the limit of {config.max_body_bytes}")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.errors.labels("-", "validation").inc()
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
            for e in exc.errors()[:5]
        ]
        return _error(
            422,
            "invalid request: "
            + "; ".join(problems)
            + ' (expected {"inputs": "text" | ["text", ...], "model": "name"})',
        )

    def authorise(request: Request) -> None:
        if not config.api_key:
            return
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
        if not hmac.compare_digest(given.encode(), config.api_key.encode()):
            metrics.errors.labels("-", "auth").inc()
            raise ApiError(
                401,
                "missing or wrong API key (Authorization: Bearer KEY or X-API-Key)",
                {"WWW-Authenticate": "Bearer"},
                kind="auth",
            )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        if not state["ready"]:
            return _error(503, "not ready")
        return JSONResponse({"status": "ready", "models": list(state["models"])})

    @app.get("/metrics")
    async def prometheus() -> Response:
        for name, model in state["models"].items():
            if isinstance(model, Served):
                metrics.queue_depth.labels(name).set(model.batcher.queue.qsize())
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/models", dependencies=[Depends(authorise)])
    async def models() -> ModelList:
        infos = [m.info() for m in state["models"].values()]
        return ModelList(data=[ModelCard(id=i.name, **i.model_dump()) for i in infos])

    @app.post(
        "/v1/predict",
        dependencies=[Depends(authorise)],
        response_model=PredictResponse,
        responses={code: {"model": dict} for code in (401, 404, 413, 422, 429, 503)},
    )
    async def predict(body: PredictRequest) -> PredictResponse:
        started = time.perf_counter()
        model = pick_model(state["models"], body.model)
        if not isinstance(model, Served):
            raise ApiError(422, f"model {model.name} does not answer /v1/predict (see GET /v1/models)")
        with counted_request(metrics, model.name, started):
            if not state["ready"]:
                raise ApiError(503, "shutting down", {"Retry-After": "1"}, kind="overload")
            inputs = _inputs(body, config)
            try:
                features = model.batcher.encode(inputs)
            except Exception as exc:  # the task refused the input (e.g. a pair for a single-text model)
                raise ApiError(422, f"model {model.name} cannot read these inputs: {exc}") from None
            try:
                result = await model.batcher.submit(inputs, features)
            except Overloaded:
                raise ApiError(
                    429,
                    f"model {model.name} is busy ({config.queue_size} requests queued); retry later",
                    {"Retry-After": "1"},
                    kind="overload",
                ) from None
        _observe(metrics, model, result)
        return PredictResponse(model=model.name, predictions=result.predictions)

    context = ServeContext(config=config, metrics=metrics, state=state, authorise=authorise)
    for add_routes in route_extensions():
        add_routes(app, context)

    app.state.config = config
    app.state.serving = state
    return app


@contextmanager
def counted_request(metrics: ServeMetrics, model: str, started: float) -> Iterator[None]:
    """Count one request to `model` however it ends: its HTTP status (an ApiError's own, else 500 for any
    other exception, which is also logged), its error kind and its latency since `started`."""
    status = 200
    try:
        yield
    except ApiError as exc:
        status = exc.status
        metrics.errors.labels(model, exc.kind).inc()
        raise
    except Exception:
        status = 500
        metrics.errors.labels(model, "internal").inc()
        log.exception("request failed for model %s", model)
        raise
    finally:
        metrics.requests.labels(model, str(status)).inc()
        metrics.latency.labels(model).observe(time.perf_counter() - started)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def pick_model(models: dict[str, Any], name: str | None) -> Any:
    if name is None:
        if len(models) == 1:
            return next(iter(models.values()))
        raise ApiError(422, f'several models are served; name one in "model": {", ".join(models)}')
    if name not in models:
        raise ApiError(404, f"no model named {name!r}; served: {', '.join(models)}")
    return models[name]


def _inputs(body: PredictRequest, config: ServeConfig) -> list[Any]:
    items = body.inputs if isinstance(body.inputs, list) else [body.inputs]
    if not items:
        raise ApiError(422, "inputs is empty; give at least one text")
    if len(items) > config.max_items:
        raise ApiError(413, f"{len(items)} inputs in one request; at most {config.max_items}")
    inputs: list[Any] = []
    for i, item in enumerate(items):
        texts = [item.text, item.text_pair] if isinstance(item, TextPair) else [item]
        for text in texts:
            if not text.strip():
                raise ApiError(422, f"inputs[{i}] is empty; give non-empty texts")
            if len(text) > config.max_text_chars:
                raise ApiError(
                    413, f"inputs[{i}] has {len(text)} characters; at most {config.max_text_chars}"
                )
        inputs.append((item.text, item.text_pair) if isinstance(item, TextPair) else item)
    return inputs


def _observe(metrics: ServeMetrics, model: Served, result: Any) -> None:
    labels = [label for p in result.predictions for label in predicted_labels(p)]
    metrics.inputs.labels(model.name).inc(len(result.predictions))
    for label in labels:
        metrics.labels.labels(model.name, label).inc()
    for signal, value in model.drift.observe(labels, result.token_counts).items():
        metrics.drift.labels(model.name, signal).set(value)


def predicted_labels(prediction: dict[str, Any]) -> list[str]:
    """The labels one decoded prediction names: a class, several classes, or entity types."""
    if isinstance(prediction.get("label"), str):
        return [prediction["label"]]
    if isinstance(prediction.get("labels"), list):
        return [str(label) for label in prediction["labels"]]
    if isinstance(prediction.get("entities"), list):
        return [str(e.get("label")) for e in prediction["entities"] if isinstance(e, dict)]
    return []


def app_from_env() -> FastAPI:
    """The app factory uvicorn's workers call (`--workers N`): the config travels in an environment variable."""
    data = json.loads(os.environ[CONFIG_ENV])
    data["api_key"] = os.environ.get(API_KEY_ENV) or None
    return create_app(ServeConfig(**data))


def run_server(
    config: ServeConfig, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info"
) -> None:
    import tempfile

    import torch
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "timeout_graceful_shutdown": 30,
        "timeout_keep_alive": KEEP_ALIVE_S,
    }
    if workers == 1:
        uvicorn.run(create_app(config), **common)
        return
    # Several processes: share the CPU cores, the metrics through files, the config through the environment.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="vertune-metrics-"))
    os.environ["OMP_NUM_THREADS"] = str(max(1, torch.get_num_threads() // workers))
    public = {k: v for k, v in asdict(config).items() if k != "api_key"}
    os.environ[CONFIG_ENV] = json.dumps(public)
    if config.api_key:
        os.environ[API_KEY_ENV] = config.api_key
    uvicorn.run("vertune.deploy.serve.app:app_from_env", factory=True, workers=workers, **common)
