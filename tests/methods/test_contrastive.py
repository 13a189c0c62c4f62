"""`method: contrastive` end to end on a few rows per class: the setfit pair phase tunes the encoder, the
head starts from a linear probe, `model/` is a plain transformers classifier that predicts; the zero-shot
baseline runs on the same split; a task without classes is refused in one line."""

from pathlib import Path

import pandas as pd
import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification

from helpers import FIXTURES, TINY_TRAINING, fails_cleanly, vertune, write_recipe
from vertune import api
from vertune.run import RunDir

pytestmark = pytest.mark.e2e
ROWS_PER_CLASS = 4


@pytest.fixture(scope="module")
def contrastive_run(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("contrastive")
    reviews = pd.read_csv(FIXTURES / "reviews_train.csv")
    reviews.groupby("label").sample(ROWS_PER_CLASS, random_state=0).to_csv(
        directory / "train.csv", index=False
    )
    reviews.groupby("label").sample(2, random_state=1).to_csv(directory / "validation.csv", index=False)
    recipe = write_recipe(
        directory,
        data={
            "train": str(directory / "train.csv"),
            "validation": str(directory / "validation.csv"),
            "test": str(FIXTURES / "reviews_test.csv"),
        },
        training=TINY_TRAINING,
        method={"name": "contrastive", "contrastive": {"iterations": 1}},
        evaluation={"baselines": ["zero_shot_embedding"]},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_the_pair_phase_ran_and_the_head_trained_alone(contrastive_run):
    train = RunDir(contrastive_run).load_metrics()["train"]
    assert train["method"] == "contrastive"
    assert train["contrastive_pairs"] == 2 * 3 * ROWS_PER_CLASS  # iterations x 2 pairs per row
    assert 0.0 <= train["head_probe_train_accuracy"] <= 1.0  # SetFit's head start, on by default
    assert train["trainable_params"] < train["total_params"] / 10  # the Trainer phase trains the head only


def test_the_encoder_moved_and_the_model_is_plain_transformers(contrastive_run, minilm_dir):
    tuned = AutoModelForSequenceClassification.from_pretrained(contrastive_run / "model")
    original = AutoModel.from_pretrained(minilm_dir)
    name = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(tuned.base_model.state_dict()[name], original.state_dict()[name])
    predictions = api.predict(contrastive_run, ["the drug gave me a rash", "worked well"])
    assert {p["label"] for p in predictions} <= {"negative", "neutral", "positive"}


def test_the_zero_shot_baseline_scored_the_same_test_split(contrastive_run):
    metrics = RunDir(contrastive_run).load_metrics()
    zero_shot = metrics["baselines"]["zero_shot_embedding"]
    assert 0.0 <= zero_shot["macro_f1"] <= 1.0 and "label names" in zero_shot["description"]
    assert "zero_shot_embedding" in metrics["comparisons"]


def test_contrastive_needs_classes(tmp_path):
    recipe = write_recipe(
        tmp_path,
        task="regression",
        data={"train": str(FIXTURES / "useful_train.csv"), "label_column": "useful_log"},
        training=TINY_TRAINING,
        method={"name": "contrastive"},
    )
    fails_cleanly(vertune("train", str(recipe), "--quiet"), "contrastive needs single-label targets")


def test_a_description_of_an_unknown_label_fails_before_training(tmp_path):
    recipe = write_recipe(
        tmp_path,
        data={
            "train": str(FIXTURES / "reviews_train.csv"),
            "test": str(FIXTURES / "reviews_test.csv"),
            "label_descriptions": {"postive": "a good review"},
        },
        training=TINY_TRAINING,
    )
    fails_cleanly(vertune("train", str(recipe), "--quiet"), "postive", "known labels")
    assert not (tmp_path / "run" / "model").exists()


def test_the_trainer_phase_trains_the_head_or_everything(minilm_dir):
    from vertune.methods.contrastive import Contrastive
    from vertune.methods.options import ContrastiveOptions

    def trainable_share(options: ContrastiveOptions) -> float:
        model = Contrastive(options).prepare(
            AutoModelForSequenceClassification.from_pretrained(minilm_dir, num_labels=3)
        )
        return sum(p.numel() for p in model.parameters() if p.requires_grad) / sum(
            p.numel() for p in model.parameters()
        )

    assert trainable_share(ContrastiveOptions()) < 0.01
    assert trainable_share(ContrastiveOptions(train_body=True)) == 1.0
