"""`task: generation` through the CLI on the builtin SmolLM2: SFT with LoRA on a few real drug-review rows,
scored against the zero- and few-shot base model; predict, predict --file, chat; bad conversations."""

from __future__ import annotations

import io
import json
import sys

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.metrics_schema import read_metrics
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

TRAIN, TEST = FIXTURES / "generation_train.jsonl", FIXTURES / "generation_test.jsonl"


@pytest.fixture(scope="module")
def generation_run(tmp_path_factory, smollm2_dir):
    directory = tmp_path_factory.mktemp("generation")
    recipe = write_recipe(
        directory,
        model="smollm2",
        task="generation",
        data={"train": str(TRAIN), "test": str(TEST), "validation_size": 0.2},
        method={"name": "lora", "merge": False},  # the adapter alone is saved (and loaded over the base)
        training={"epochs": 1, "max_length": 48, "batch_size": 16, "eval_batch_size": 8, "seed": 7},
        generation={"max_new_tokens": 4},
        evaluation={"metrics": ["exact_match", "rouge_l", "chrf"], "baselines": ["zero_shot", "few_shot"]},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_generation_run_scores_generations_against_the_base_model(generation_run):
    metrics = read_metrics(RunDir(generation_run).metrics_path)  # validated by the schema
    test = metrics.test
    assert test is not None and test.examples == 6
    for name in ("exact_match", "rouge_l", "chrf", "accuracy", "macro_f1"):
        assert 0 <= (test.value(name) or 0) <= 1
    assert (test.value("perplexity") or 0) > 1
    assert metrics.baselines is not None
    assert set(metrics.baselines) == {"zero_shot", "few_shot"}
    assert metrics.baselines["few_shot"].value("exact_match") is not None
    # each baseline's perplexity is of the reference answers given its own prompt (few-shot: with examples)
    perplexities = {name: metrics.baselines[name].value("perplexity") for name in ("zero_shot", "few_shot")}
    assert all((p or 0) > 1 for p in perplexities.values())
    assert perplexities["zero_shot"] != perplexities["few_shot"]
    assert metrics.train is not None and metrics.train.get("tokens_per_second") > 0
    report = RunDir(generation_run).report_md.read_text(encoding="utf-8")
    assert "Generation: fine-tuned vs the base model" in report and "Sample answers" in report
    assert RunDir(generation_run).load_labels() == ["Acne", "Birth Control", "Depression", "Pain"]


def test_predict_prints_completions_and_fills_a_completion_column(generation_run, tmp_path):
    result = vertune("predict", str(generation_run), "Condition treated? Review: my skin cleared up.")
    assert result.returncode == 0, result.stderr[-2000:]
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(line["completion"], str)

    output = tmp_path / "completed.jsonl"
    result = vertune("predict", str(generation_run), "--file", str(TEST), "--output", str(output), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(x) for x in output.read_text(encoding="utf-8").splitlines()]
    # the file's own `completion` (the reference) is kept beside the generated one
    assert len(rows) == 6 and all(
        isinstance(r["completion_predicted"], str) and r["completion"] for r in rows
    )


def test_chat_streams_answers_and_keeps_the_conversation(generation_run, monkeypatch):
    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO(
            "Which condition? Review: I stopped getting pregnant.\n/reset\nAnd this? Review: headaches gone.\n/exit\n"
        ),
    )
    result = vertune("chat", str(generation_run))
    assert result.returncode == 0, result.stderr[-2000:]
    assert len([line for line in result.stdout.splitlines() if line.strip()]) >= 1


def test_bad_conversations_stop_the_run_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "Review: fine"}, {"role": "assistant", "content": "Pain"}]},
        {"messages": [{"role": "doctor", "content": "hi"}, {"role": "assistant", "content": "Acne"}]},
        {"messages": [{"role": "user", "content": "Review: bad"}]},
        {"messages": [{"role": "user", "content": "Review: ok"}, {"role": "assistant", "content": ""}]},
    ]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    recipe = write_recipe(tmp_path, model="smollm2", task="generation", data={"train": str(bad)})
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"{bad}:2: message 1: unknown role 'doctor'" in result.stderr
    assert f"{bad}:3: the conversation ends on a user turn" in result.stderr
    assert f"{bad}:4: message 2: empty assistant message" in result.stderr


def test_evaluate_scores_a_file_on_generated_answers(generation_run, tmp_path):
    result = vertune("evaluate", str(generation_run), "--data", str(TEST), "--output", str(tmp_path / "ev"))
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = read_metrics(tmp_path / "ev" / "metrics.json")
    assert metrics.test is not None and metrics.test.examples == 6
    assert metrics.test.value("exact_match") is not None and (metrics.test.value("perplexity") or 0) > 1


def test_extend_vocab_and_task_adaptive_pretraining_on_multi_turn_conversations(tmp_path, monkeypatch):
    """Two-turn conversations train (every assistant turn), a term file grows the vocabulary (embeddings
    and the tied LM head, saved merged), and `model.pretrain` runs a causal-LM step on the conversations."""
    from transformers import AutoConfig, AutoTokenizer

    monkeypatch.setattr("vertune.pretrain.inline.cache_root", lambda: tmp_path / "cache")
    rows = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()][:12]
    follow_up = {"role": "user", "content": "And this one?"}
    conversations = [r["messages"] for r in rows[:4]] + [
        [
            *a["messages"],
            {**follow_up, "content": follow_up["content"] + " " + b["messages"][0]["content"]},
            b["messages"][1],
        ]
        for a, b in zip(rows[4::2], rows[5::2], strict=True)
    ]
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"messages": m}) + "\n" for m in conversations), encoding="utf-8")
    terms = tmp_path / "terms.txt"
    terms.write_text("Nexplanon\nCymbalta\n", encoding="utf-8")
    recipe = write_recipe(
        tmp_path,
        model={"name": "smollm2", "extend_vocab": str(terms), "pretrain": {"max_steps": 1}},
        task="generation",
        data={"train": str(train), "test": str(TEST), "validation_size": 0.25},
        method={"name": "lora"},
        training={"epochs": 1, "max_length": 96, "batch_size": 4, "eval_batch_size": 4, "seed": 7},
        generation={"max_new_tokens": 2},
        evaluation={"metrics": ["exact_match"], "baselines": []},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["vocabulary"]["added_tokens"] == 2
    assert metrics["pretrain"]["objective"] == "clm" and metrics["pretrain"]["steps"] == 1
    assert set(metrics["pretrain"]["perplexity"]) == {"before", "after"}
    tokenizer = AutoTokenizer.from_pretrained(run / "model")
    assert "Nexplanon" in tokenizer.get_vocab()
    assert AutoConfig.from_pretrained(run / "model").vocab_size == len(tokenizer)  # merged, grown
    assert json.loads((run / "lineage.json").read_text(encoding="utf-8"))["pretrain"]["cached"] is False
