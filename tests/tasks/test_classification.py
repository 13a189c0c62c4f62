import numpy as np
import pytest
from sklearn.metrics import f1_score

from vertune.tasks import get_task
from vertune.tasks.base import Examples

LABELS = ["negative", "neutral", "positive"]


@pytest.fixture(scope="module")
def task():
    return get_task("classification")


@pytest.fixture(scope="module")
def tokenizer(minilm_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir)


def test_encode_truncates_without_padding_and_collate_pads_per_batch(task, tokenizer):
    features = task.encode(["short one", "a much longer text " * 40], tokenizer, max_length=32)
    assert [len(f["input_ids"]) for f in features] == [4, 32]
    assert "token_type_ids" not in features[0]
    examples = Examples(None, ["short one", "long"], ["neutral", "positive"], [2, 3])
    task.attach_targets(features, examples, LABELS)
    batch = task.collator(tokenizer)(features)
    assert batch["input_ids"].shape == (2, 32)
    assert batch["labels"].tolist() == [1, 2]
    short = task.collator(tokenizer)(features[:1])
    assert short["input_ids"].shape == (1, 16)  # padded to a multiple of 16, not to max_length


def test_scores_match_sklearn(task):
    targets = np.array([0, 0, 1, 2, 2, 2])
    logits = np.eye(3)[[0, 1, 1, 2, 0, 2]]
    scores = task.scores(list(logits), [LABELS[i] for i in targets], LABELS)
    assert scores == task.trainer_scores(logits, targets, LABELS)
    predicted = logits.argmax(-1)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["macro_f1"] == pytest.approx(f1_score(targets, predicted, average="macro"))
    assert scores["weighted_f1"] == pytest.approx(f1_score(targets, predicted, average="weighted"))
    detailed = task.detailed(list(logits), [LABELS[i] for i in targets], LABELS)
    assert detailed["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert detailed["per_class"]["neutral"]["support"] == 1


def test_decode_gives_labels_and_probabilities(task):
    predictions = task.decode(np.array([[0.0, 0.0, 3.0], [5.0, 0.0, 0.0]]), ["a", "b"], LABELS)
    assert [p["label"] for p in predictions] == ["positive", "negative"]
    assert sum(predictions[0]["scores"].values()) == pytest.approx(1.0)
    assert predictions[0]["score"] == pytest.approx(predictions[0]["scores"]["positive"])


def test_head_carries_the_label_names(task, minilm_dir):
    model = task.head(str(minilm_dir), LABELS)
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert model.num_labels == 3
