"""Stages of a generation run after training: the saved model and the base model (zero-shot, few-shot)
generate answers to the test prompts, which are scored (the recipe's metrics, perplexity on the answers,
and with a small label set the accuracy / macro-F1 of picking the likeliest label), and sample rows are
kept for the report (`generation_samples.json` in the run)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vertune.events import Info, Subscriber
from vertune.generation.engine import Completion, Engine, GenerationOptions
from vertune.recipe import Recipe
from vertune.run import RunDir, read_json, write_json_atomic
from vertune.tasks.base import Examples

SAMPLES_FILE = "generation_samples.json"
SAMPLE_ROWS = 10


@dataclass
class Generated:
    """One model's scores on the test split and its answers."""

    scores: dict[str, Any]
    answers: list[str] = field(default_factory=list)


def perplexity(engine: Engine, prompts: Sequence[Any], answers: Sequence[str], max_length: int) -> float:
    """exp of the mean loss per answer token (end-of-turn included) given each prompt as the model was
    asked it (a few-shot prompt with its examples); only the last answer is scored, never the examples."""
    import torch

    from vertune.generation.encoding import encode_example

    total, count = 0.0, 0
    for prompt, answer in zip(prompts, answers, strict=True):
        feature = encode_example(
            engine.tokenizer, engine.messages(prompt), answer, max_length, all_turns=False
        )
        labels = torch.tensor([feature["labels"]], device=engine.device)
        ids = torch.tensor([feature["input_ids"]], device=engine.device)
        with torch.inference_mode():
            logits = engine.model(input_ids=ids).logits[:, :-1].float()
        gold = labels[:, 1:]
        mask = gold != -100
        losses = torch.nn.functional.cross_entropy(logits[mask], gold[mask], reduction="sum")
        total, count = total + float(losses), count + int(mask.sum())
    return round(math.exp(total / max(count, 1)), 4)


def pick_labels(engine: Engine, prompts: Sequence[Any], labels: Sequence[str]) -> list[str]:
    """The likeliest label as the whole answer to each prompt (classification by generation)."""
    picked = []
    for prompt in prompts:
        scores = engine.score_choices(prompt, labels)
        picked.append(labels[max(range(len(labels)), key=scores.__getitem__)])
    return picked


def score_engine(
    engine: Engine,
    prompts: Sequence[Any],
    test: Examples,
    labels: Sequence[str],
    recipe: Recipe,
    on_event: Subscriber,
    what: str,
) -> Generated:
    """Generate the answers of `prompts` (the test rows, maybe with few-shot turns) and score them."""
    from vertune.generation.metrics import corpus_scores, label_scores

    options = GenerationOptions.from_config(recipe.generation)
    on_event(Info(f"generating {len(prompts)} test answers with the {what}"))
    start = time.perf_counter()
    completions: list[Completion] = engine.complete(prompts, options)
    seconds = time.perf_counter() - start
    answers = [c.text for c in completions]
    generated = sum(c.completion_tokens for c in completions)
    scores: dict[str, Any] = {
        "examples": len(test),
        **corpus_scores(answers, test.targets, recipe.evaluation.metrics),
        # each model's perplexity of the reference answers given its own prompts (few-shot: with the
        # examples), within what its generation read: the run's max_length, the base model's whole context
        "perplexity": perplexity(
            engine, prompts, test.targets, engine.max_prompt_tokens or engine.context_length
        ),
        "generated_tokens": generated,
        "generation_tokens_per_second": round(generated / seconds, 2) if seconds > 0 else None,
    }
    if labels:
        scores.update(label_scores(pick_labels(engine, prompts, labels), test.targets, labels))
    return Generated(scores, answers)


def score_run(
    run: RunDir, recipe: Recipe, test: Examples, labels: Sequence[str], on_event: Subscriber
) -> dict[str, Any]:
    """A saved generation run's scores on labelled examples (`vertune evaluate`)."""
    return score_engine(Engine.from_run(run.path), test.inputs, test, labels, recipe, on_event, "run").scores


def few_shot_prompt(prompt: list[dict[str, str]], shots: Examples) -> list[dict[str, str]]:
    """The k training examples as earlier turns of the conversation, then the question (system kept first)."""
    system = [m for m in prompt if m["role"] == "system"][:1]
    turns: list[dict[str, str]] = []
    for shot_prompt, answer in zip(shots.inputs, shots.targets, strict=True):
        turns += [m for m in shot_prompt if m["role"] != "system"]
        turns.append({"role": "assistant", "content": answer})
    return [*system, *turns, *[m for m in prompt if m["role"] != "system"]]


def run_generation_baselines(
    recipe: Recipe, train: Examples, test: Examples, labels: Sequence[str], on_event: Subscriber
) -> dict[str, Generated]:
    """The base model prompted zero-shot and with `evaluation.few_shot_k` training examples."""
    wanted = [b for b in recipe.evaluation.baselines or () if b in ("zero_shot", "few_shot")]
    if not wanted:
        return {}
    engine = Engine.from_model(recipe.model.name, max_prompt_tokens=None)
    results: dict[str, Generated] = {}
    for name in wanted:
        start = time.perf_counter()
        if name == "zero_shot":
            prompts = list(test.inputs)
            description = "the base model, prompted with the test question alone"
        else:
            k = min(recipe.evaluation.few_shot_k, len(train))
            shots = train.select(random.Random(recipe.training.seed).sample(range(len(train)), k))
            prompts = [few_shot_prompt(list(p), shots) for p in test.inputs]
            description = f"the base model, prompted with {k} training examples before the test question"
        result = score_engine(engine, prompts, test, labels, recipe, on_event, f"base model ({name})")
        result.scores.update(seconds=round(time.perf_counter() - start, 2), description=description)
        results[name] = result
    return results


def write_samples(
    run: RunDir,
    test: Examples,
    fine_tuned: list[str],
    baselines: dict[str, Generated],
    rows: int = SAMPLE_ROWS,
) -> None:
    """The first test rows: prompt, reference, the base model's and the fine-tuned model's answers."""
    from vertune.generation.data import prompt_text

    base_name = next((n for n in ("zero_shot", "few_shot") if n in baselines), None)
    samples = []
    for i in range(min(rows, len(test))):
        samples.append(
            {
                "prompt": prompt_text(list(test.inputs[i])),
                "reference": test.targets[i],
                "base": baselines[base_name].answers[i] if base_name else None,
                "base_kind": base_name,
                "fine_tuned": fine_tuned[i],
            }
        )
    write_json_atomic(run.path / SAMPLES_FILE, samples)


def read_samples(run: RunDir) -> list[dict[str, Any]]:
    path = run.path / SAMPLES_FILE
    return list(read_json(path)) if path.is_file() else []


def training_tokens(features: Sequence[dict[str, Any]]) -> int:
    """Tokens of one pass over the training features (what tokens/s in training counts)."""
    return sum(len(f["input_ids"]) for f in features)
