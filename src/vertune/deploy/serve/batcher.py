"""Dynamic micro-batching: concurrent requests share one forward pass.

Requests are encoded in the request handler (so bad input fails there, alone), then queued. One worker
task per model takes the first waiting request, gathers more for up to `max_wait` seconds or until
`max_batch` inputs, runs the model once in a thread (the event loop keeps accepting requests), and hands
each request its own merged, decoded predictions. The queue is bounded: when it is full, `submit` raises
`Overloaded` at once (the server answers 429 with Retry-After) instead of holding unbounded memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vertune.models.predictor import RunPredictor


class Overloaded(Exception):
    """The queue is full."""


@dataclass
class Job:
    inputs: list[Any]
    features: list[dict[str, Any]]
    future: asyncio.Future = field(repr=False)


@dataclass
class BatchResult:
    predictions: list[dict[str, Any]]
    token_counts: list[int]


OnBatch = Callable[[int], None]


class MicroBatcher:
    def __init__(
        self,
        predictor: RunPredictor,
        max_batch: int = 32,
        max_wait_ms: float = 5.0,
        queue_size: int = 256,
        batching: bool = True,
        on_batch: OnBatch | None = None,
    ):
        self.predictor = predictor
        self.max_batch, self.max_wait = max_batch, max_wait_ms / 1000
        self.batching = batching
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=queue_size)
        self.on_batch = on_batch or (lambda _: None)
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        self._worker = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def encode(self, inputs: list[Any]) -> list[dict[str, Any]]:
        p = self.predictor
        return p.task.encode(inputs, p.tokenizer, p.max_length)

    async def submit(self, inputs: list[Any], features: list[dict[str, Any]]) -> BatchResult:
        job = Job(inputs, features, asyncio.get_running_loop().create_future())
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            raise Overloaded from None
        return await job.future

    async def _gather(self) -> list[Job]:
        jobs = [await self.queue.get()]
        size = len(jobs[0].inputs)
        if not self.batching:
            return jobs
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while size < self.max_batch:
            try:
                job = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await asyncio.sleep(min(remaining, 0.001))
                continue
            jobs.append(job)
            size += len(job.inputs)
        return jobs

    async def _loop(self) -> None:
        while True:
            jobs = await self._gather()
            try:
                results = await asyncio.to_thread(self._run, jobs)
            except Exception as exc:  # a model failure fails this batch's requests, not the worker
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            for job, result in zip(jobs, results, strict=True):
                if not job.future.done():  # the client may have gone away
                    job.future.set_result(result)

    def _run(self, jobs: list[Job]) -> list[BatchResult]:
        """One forward pass over every job's features, then each job's own merge and decode."""
        p = self.predictor
        features = [f for job in jobs for f in job.features]
        self.on_batch(sum(len(job.inputs) for job in jobs))
        outputs = p.outputs(features)
        results, start = [], 0
        for job in jobs:
            end = start + len(job.features)
            merged = p.task.merge(outputs[start:end], job.features, len(job.inputs))
            decoded = p.task.decode(merged, job.inputs, p.labels)
            results.append(BatchResult(decoded, token_counts(job.features, len(job.inputs))))
            start = end
        return results


def token_counts(features: list[dict[str, Any]], count: int) -> list[int]:
    """Tokens each input was encoded to (windows of one input summed)."""
    totals = [0] * count
    for i, feature in enumerate(features):
        totals[feature.get("example", i)] += len(feature["input_ids"])
    return totals
