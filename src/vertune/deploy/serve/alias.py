"""`vertune serve --alias production [--registry DIR]`: serve the run promoted under an alias and follow
later promotions without a restart and without dropping a request.

`vertune promote` writes REGISTRY/aliases/<alias>.json (continual/promote.py). The server serves the run
it names under the alias's name, and a watcher checks the file every `reload_seconds`: on a new version
it loads the new run in a thread (the event loop keeps answering with the old model), starts its batcher,
swaps it into the served models in one assignment (a request picks its model and queues on its batcher
without yielding, so every request lands on exactly one of them), then stops the old batcher once its
queue is empty and its worker idle. `/v1/models` shows the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from vertune.continual.promote import read_alias
from vertune.deploy.serve.app import ServeConfig, Served, load_models
from vertune.deploy.serve.extensions import ServeContext
from vertune.deploy.serve.schemas import ModelInfo
from vertune.errors import VertuneError

log = logging.getLogger("vertune.serve")
DEFAULT_REGISTRY = "runs"


def alias_options(runs: Sequence[str | Path], options: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The run an alias names and the server options that follow it (served under the alias's name)."""
    if runs:
        raise VertuneError("give run directories or --alias, not both")
    alias = options["alias"]
    registry = str(options.get("registry") or DEFAULT_REGISTRY)
    record = read_alias(registry, alias)
    return [record["run"]], {**options, "registry": registry, "names": [alias]}


@dataclasses.dataclass
class VersionedServed(Served):
    version: int | None = None

    def info(self) -> ModelInfo:
        return super().info().model_copy(update={"version": self.version})


def versioned(served: Any, version: int | None) -> Any:
    if not isinstance(served, Served):
        return served
    fields = {f.name: getattr(served, f.name) for f in dataclasses.fields(Served)}
    return VersionedServed(**fields, version=version)


async def retire(old: Any, patience: float = 60.0) -> None:
    """Stop a swapped-out model's batcher once nothing waits in its queue and its worker is idle (waiting
    for the next job: asyncio.Queue keeps the waiting getter), so no accepted request is lost."""
    if not isinstance(old, Served):
        await old.stop()
        return
    queue = old.batcher.queue
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while loop.time() < deadline and not (queue.empty() and getattr(queue, "_getters", None)):
        await asyncio.sleep(0.05)
    await old.stop()


async def follow(config: ServeConfig, context: ServeContext, name: str, version: int | None) -> None:
    """Poll the alias file; on a new version load, start and swap in its run."""
    assert config.alias is not None and config.registry is not None
    while True:
        await asyncio.sleep(config.reload_seconds)
        try:
            record = read_alias(config.registry, config.alias)
        except (VertuneError, OSError, ValueError):  # a file being replaced, a registry moved: keep serving
            continue
        if record.get("version") == version:
            continue
        target = dataclasses.replace(config, runs=[record["run"]], names=[name])
        try:
            loaded = await asyncio.to_thread(load_models, target, context.metrics)
        except Exception:
            log.exception(
                "alias %s: cannot load version %s from %s; still serving version %s",
                config.alias,
                record.get("version"),
                record["run"],
                version,
            )
            version = record.get("version")  # do not retry the same broken version every poll
            continue
        new = versioned(loaded[name], record.get("version"))
        new.start()
        old = context.state["models"].get(name)
        context.state["models"][name] = new
        log.info("alias %s: now serving version %s (%s)", config.alias, record.get("version"), record["run"])
        version = record.get("version")
        if old is not None:
            await retire(old)


def add_routes(app: Any, context: ServeContext) -> None:
    """With --alias: mark the served model with its version and follow the alias (no new endpoints)."""
    config: ServeConfig = context.config
    if not config.alias:
        return
    alias, registry = config.alias, config.registry
    assert registry is not None
    name = config.model_names()[0]
    served_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with served_lifespan(application) as state:
            version = read_alias(registry, alias).get("version")
            models = context.state["models"]
            models[name] = versioned(models[name], version)
            watcher = asyncio.create_task(follow(config, context, name, version))
            try:
                yield state
            finally:  # the served lifespan then stops whichever model is served now
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    app.router.lifespan_context = lifespan
