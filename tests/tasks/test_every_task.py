"""The Task contract, over every registered task: tiny inline data -> examples -> encode with the real
MiniLM tokenizer -> collate -> a forward of the real head model -> merge -> scores / detailed / decode, and
the run state (task.json) round trip. A new task registers here by adding its inline data to DATA."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from vertune.data.readers import Table
from vertune.models.batching import run_batches
from vertune.recipe import DataConfig
from vertune.tasks import TASK_NAMES, get_task, task_info
from vertune.tasks.base import Task

MAX_LENGTH = 32
LONG = "the tablets helped with the pain but the side effects kept me awake at night " * 4


def table(**columns: list[Any]) -> Table:
    rows = len(next(iter(columns.values())))
    return Table(Path("inline.jsonl"), list(columns), dict(columns), list(range(2, rows + 2)))


TEXTS = ["worked well, no side effects", "gave me a rash", "did nothing for my headache", "slept better"]
#: case -> (task name, data options, rows)
DATA: dict[str, tuple[str, dict[str, Any], Table]] = {
    "classification": ("classification", {}, table(text=TEXTS, label=["good", "bad", "bad", "good"])),
    "classification, long texts in windows": (
        "classification",
        {"long_text": "chunk", "window_overlap": 8},
        table(text=[LONG, "short", LONG + "again", "fine"], label=["bad", "good", "bad", "good"]),
    ),
    "regression": ("regression", {}, table(text=TEXTS, label=[9.0, 2.5, 1.0, 7.5])),
    "multilabel": (
        "multilabel",
        {},
        table(text=TEXTS, label=["effective", "rash|itch", "rash", "effective|sleep"]),
    ),
    "pair": (
        "pair",
        {},
        table(text=TEXTS, text_pair=list(reversed(TEXTS)), label=["same", "other", "other", "same"]),
    ),
    "pair, score": (
        "pair",
        {"pair_target": "score"},
        table(text=TEXTS, text_pair=list(reversed(TEXTS)), label=[0.9, 0.1, 0.4, 0.7]),
    ),
    "embedding": (
        "embedding",
        {},
        table(query=TEXTS, positive=list(reversed(TEXTS)), negative=["", "a rash", "", "headache"]),
    ),
    "ner": (
        "ner",
        {},
        table(
            tokens=[
                ["Anna", "flew", "to", "Paris"],
                ["Aspirin", "helps"],
                ["Bob", "lives", "in", "New", "York"],
            ],
            tags=[["B-PER", "O", "O", "B-LOC"], ["O", "O"], ["B-PER", "O", "O", "B-LOC", "I-LOC"]],
        ),
    ),
    "generation": ("generation", {}, table(prompt=TEXTS, completion=["good", "bad", "bad", "good"])),
}


def protocol_members() -> set[str]:
    return {name for name in (*vars(Task), *Task.__annotations__) if not name.startswith("_")}


@pytest.fixture(scope="module")
def tokenizer(minilm_dir):
    return AutoTokenizer.from_pretrained(minilm_dir)


def test_every_registered_task_has_a_case():
    missing = set(TASK_NAMES) - {name for name, _, _ in DATA.values()}
    assert not missing, f"add inline data for {sorted(missing)} to DATA"


@pytest.mark.parametrize("case", list(DATA))
def test_task_contract(case, minilm_dir, tokenizer):
    name, options, rows = DATA[case]
    data = DataConfig(train=Path("inline.jsonl"), **options)
    task = get_task(name, data)
    assert not (protocol_members() - set(dir(task))), "a Task protocol member is missing"
    assert task.info == task_info(name, data) and task.default_metric in task.metric_names

    report = task.validate({"train": rows}, data, None, None)
    assert not report.errors, report.errors
    examples = task.examples(rows, data)
    assert len(examples) == len(rows) and len(task.inputs(rows, data)) == len(rows)
    assert all(isinstance(task.text_of(item), str) for item in examples.inputs)
    assert isinstance(task.target_stats(examples), dict)
    labels = task.labels(examples)
    task.fit_targets(examples)

    # training: features with targets -> the Trainer's rows -> one collated batch -> a finite loss
    features = task.encode(examples.inputs, tokenizer, MAX_LENGTH)
    assert all(len(f["input_ids"]) <= MAX_LENGTH for f in features)
    if data.long_text == "chunk":
        assert len(features) > len(examples), "long texts become several windows"
    training = [dict(f) for f in features]
    task.attach_targets(training, examples, labels)
    batch = task.collator(tokenizer)(task.training_rows(training))
    torch.manual_seed(0)
    model = task.head(str(minilm_dir), labels)
    computed = task.compute_loss(model, batch)
    loss = computed[0] if computed is not None else model(**batch).loss
    assert math.isfinite(float(loss.detach()))
    if name == "generation":
        return  # it predicts by generating text: tests/generation/test_engine.py, tests/e2e/test_generation.py

    # prediction: one output row per feature -> one prediction per input -> scores and decoded rows
    model.eval()
    outputs = run_batches(
        lambda b: model(**b).logits,
        features,
        task.collator(tokenizer),
        batch_size=3,
        precision="fp32",
        device=torch.device("cpu"),
    )
    assert len(outputs) == len(features) and all(isinstance(o, np.ndarray) for o in outputs)
    predictions = task.merge(outputs, features, len(examples))
    assert len(predictions) == len(examples)
    task.tune(predictions, examples.targets, labels)
    scores = task.scores(predictions, examples.targets, labels)
    assert set(scores) <= set(task.metric_names) and task.default_metric in scores
    assert all(isinstance(v, float) for v in scores.values())
    assert set(task.summary_metrics) <= set(task.metric_names)
    assert task.default_metric in task.detailed(predictions, examples.targets, labels)
    decoded = task.decode(predictions, examples.inputs, labels)
    assert len(decoded) == len(examples)
    assert all(isinstance(task.prediction_columns(row), dict) for row in decoded)

    # run state: task.json restores what fit_targets and tune learnt, so a reloaded run decodes the same
    restored = get_task(name, data)
    restored.load_state(json.loads(json.dumps(task.state())))
    assert restored.decode(predictions, examples.inputs, labels) == decoded
