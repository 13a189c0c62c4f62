"""The generation engine on the real SmolLM2: batched greedy generation with left padding, stop strings,
streaming, and log-likelihood scoring of choices."""

from __future__ import annotations

import math

import pytest

from vertune.generation.engine import Engine, GenerationOptions, cut_at_stop

SHORT = GenerationOptions(max_new_tokens=6)


@pytest.fixture(scope="module")
def engine(smollm2_dir):
    return Engine.from_model(str(smollm2_dir), batch_size=4)


def test_a_batch_generates_what_each_prompt_generates_alone(engine):
    prompts = ["What is the capital of France?", [{"role": "user", "content": "Name a colour."}]]
    together = engine.generate(prompts, SHORT)
    assert together == [engine.generate([p], SHORT)[0] for p in prompts]
    assert all(isinstance(t, str) and t for t in together)
    completion = engine.complete(prompts[:1], SHORT)[0]
    assert completion.completion_tokens <= 6 and completion.prompt_tokens > 5


def test_stop_strings_cut_the_answer_and_the_stream_matches(engine):
    free = engine.generate(
        ["Count from 1 to 10, separated by commas."], GenerationOptions(max_new_tokens=12)
    )[0]
    stop = next(c for c in free[2:] if not c.isspace())
    options = GenerationOptions(max_new_tokens=12, stop=(stop,))
    cut = engine.generate(["Count from 1 to 10, separated by commas."], options)[0]
    assert cut == cut_at_stop(free, (stop,)) and stop not in cut
    streamed = "".join(engine.stream("Count from 1 to 10, separated by commas.", options))
    assert streamed == cut
    # a stream that runs to its end (no stop string) is the whole answer
    whole = GenerationOptions(max_new_tokens=5)
    assert "".join(engine.stream("Say hi.", whole)) == engine.generate(["Say hi."], whole)[0]
    early = engine.stream("Count to 50.", GenerationOptions(max_new_tokens=200))
    assert next(early)
    early.close()  # stops the generation thread instead of running 200 tokens


def test_the_greedy_answer_scores_above_an_unrelated_one(engine):
    prompt = "What is the capital of France? Answer with one word."
    answer = engine.generate([prompt], GenerationOptions(max_new_tokens=8))[0]
    scores = engine.score_choices(prompt, [answer, "zebra"])
    assert all(math.isfinite(s) and s < 0 for s in scores)
    assert scores[0] > scores[1]


def test_cut_at_stop():
    assert cut_at_stop("a, b. c", (".", ",")) == "a"
    assert cut_at_stop("abc", ()) == "abc"
