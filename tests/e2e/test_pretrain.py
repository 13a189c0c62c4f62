"""`vertune pretrain` end to end with the real MiniLM (a few steps): its run feeds a classification recipe
(`model: RUN`, lineage.json links them), `model.pretrain` adapts before fine-tuning and is reused from the
cache on the second run, and bad input fails in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import TINY_TRAINING, TRAIN_CSV, fails_cleanly, vertune, write_recipe

PRETRAIN = {"max_steps": 2, "batch_size": 4, "eval_batch_size": 8, "max_length": 32, "seed": 3}


def pretrain_recipe(directory: Path, **changes: object) -> Path:
    recipe: dict[str, object] = {
        "model": {"name": "minilm", "extend_vocab": "from_data"},
        "task": "mlm",
        "data": {"train": str(TRAIN_CSV), "text_column": "text", "validation_size": 0.1},
        "training": dict(PRETRAIN),
        "output": str(directory / "dapt"),
    }
    recipe.update(changes)
    path = directory / "pretrain.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dapt_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pretrain")
    result = vertune("pretrain", str(pretrain_recipe(directory)), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "held-out perplexity" in result.stdout
    return directory / "dapt"


def test_pretrain_writes_a_model_with_perplexity_before_and_after(dapt_run: Path) -> None:
    metrics = json.loads((dapt_run / "metrics.json").read_text())
    stats = metrics["pretrain"]
    assert stats["objective"] == "mlm" and stats["steps"] == 2
    assert set(stats["perplexity"]) == {"before", "after"}
    assert metrics["test"]["perplexity"] == stats["perplexity"]["after"]
    assert metrics["baselines"]["base_model"]["perplexity"] == stats["perplexity"]["before"]
    assert stats["data"]["held_out_documents"] >= 1
    assert (dapt_run / "model" / "config.json").is_file() and not (dapt_run / "checkpoints").exists()
    assert "held-out perplexity" in (dapt_run / "report.md").read_text()


def test_the_run_is_a_model_for_a_classification_recipe_and_lineage_links_them(
    dapt_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    model = {"name": str(dapt_run), "pretrain": {"max_steps": 1}}
    recipe = write_recipe(tmp_path, model=model, training=dict(TINY_TRAINING))
    first = vertune("train", str(recipe), "--quiet")
    assert first.returncode == 0, first.stderr[-3000:]
    run = tmp_path / "run"
    lineage = json.loads((run / "lineage.json").read_text())
    assert lineage["base_run"] == str(dapt_run.resolve())
    assert lineage["pretrain"]["cached"] is False
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["pretrain"]["cached"] is False and metrics["test"]["accuracy"] >= 0
    assert "Task-adaptive pre-training" in (run / "report.md").read_text()

    again = vertune("train", str(recipe), "--quiet", "--overwrite", "--set", "training.epochs=0.1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((run / "metrics.json").read_text())["pretrain"]["cached"] is True


def test_a_fine_tuning_task_in_a_pretrain_recipe_fails_in_one_line(tmp_path: Path) -> None:
    fails_cleanly(vertune("pretrain", str(pretrain_recipe(tmp_path, task="classification"))), "task: mlm")


def test_mlm_in_a_train_recipe_points_to_pretrain(tmp_path: Path) -> None:
    fails_cleanly(vertune("train", str(write_recipe(tmp_path, task="mlm"))), "vertune pretrain")


def test_a_missing_text_column_names_the_columns(tmp_path: Path) -> None:
    data = {"train": str(TRAIN_CSV), "text_column": "body"}
    fails_cleanly(vertune("pretrain", str(pretrain_recipe(tmp_path, data=data))), "no column 'body'", "label")


def test_a_misspelt_key_says_did_you_mean(tmp_path: Path) -> None:
    training = {**PRETRAIN, "mlm_probabilty": 0.2}
    fails_cleanly(vertune("pretrain", str(pretrain_recipe(tmp_path, training=training))), "mlm_probability")


def test_clm_pretrain_on_the_builtin_decoder(tmp_path: Path, smollm2_dir: Path) -> None:
    """`task: clm` on SmolLM2 for one step on a few documents: a causal-LM model/ and perplexity before /
    after on the held-out blocks."""
    from transformers import AutoConfig

    texts = tmp_path / "texts.txt"
    reviews = pd.read_csv(TRAIN_CSV)["text"].head(12)
    texts.write_text("".join(" ".join(t.split()) + "\n" for t in reviews), encoding="utf-8")
    recipe = pretrain_recipe(
        tmp_path,
        model="smollm2",
        task="clm",
        data={"train": str(texts), "validation_size": 0.2},
        training={**PRETRAIN, "max_steps": 1, "batch_size": 2},
    )
    result = vertune("pretrain", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "dapt"
    stats = json.loads((run / "metrics.json").read_text())["pretrain"]
    assert stats["objective"] == "clm" and stats["steps"] == 1 and stats["whole_word_mask"] is None
    assert all(1 < stats["perplexity"][k] < float("inf") for k in ("before", "after"))
    assert AutoConfig.from_pretrained(run / "model").architectures == ["LlamaForCausalLM"]
