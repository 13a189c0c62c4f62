"""Micro-batching with the real model: concurrent requests share forward passes and get their own answers."""

import asyncio

from vertune.deploy.serve.batcher import MicroBatcher, Overloaded, token_counts
from vertune.models.predictor import Predictor


def test_token_counts_sums_the_windows_of_each_input():
    features = [
        {"input_ids": [1, 2, 3], "example": 0},
        {"input_ids": [1, 2], "example": 0},
        {"input_ids": [1], "example": 1},
    ]
    assert token_counts(features, 2) == [5, 1]
    assert token_counts([{"input_ids": [1, 2]}], 1) == [2]


def test_concurrent_requests_are_grouped_and_answered_in_order(trained_run):
    predictor = Predictor.from_run(trained_run)
    texts = ["great drug, it worked", "terrible side effects", "it was fine I guess", "no change at all"]
    expected = predictor.predict(texts)
    passes: list[int] = []

    async def scenario():
        batcher = MicroBatcher(predictor, max_batch=8, max_wait_ms=200, queue_size=8, on_batch=passes.append)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit([t], batcher.encode([t])) for t in texts))
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert sum(passes) == 4 and len(passes) < 4  # at least two requests shared a pass
    for result, want in zip(results, expected, strict=True):
        assert result.predictions[0]["label"] == want["label"]
        assert abs(result.predictions[0]["score"] - want["score"]) < 1e-2  # batch padding differs


def test_a_full_queue_refuses_at_once(trained_run):
    predictor = Predictor.from_run(trained_run)

    async def scenario():
        batcher = MicroBatcher(predictor, queue_size=1)  # no worker started: nothing drains the queue
        first = asyncio.ensure_future(batcher.submit(["a"], batcher.encode(["a"])))
        await asyncio.sleep(0)
        try:
            await batcher.submit(["b"], batcher.encode(["b"]))
        except Overloaded:
            refused = True
        else:
            refused = False
        first.cancel()
        return refused

    assert asyncio.run(scenario())
