import numpy as np
import pytest
import torch

from vertune.tasks import windows


@pytest.fixture(scope="module")
def tokenizer(minilm_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir)


LONG = " ".join(f"word{i}" for i in range(60))


def test_chunk_splits_long_texts_into_overlapping_windows_tagged_with_their_text(tokenizer):
    features = windows.encode_texts(["short text", LONG], tokenizer, max_length=32, chunk=True, overlap=8)
    examples = windows.example_of(features)
    assert examples[0] == 0 and set(examples[1:]) == {1} and len(features) > 3
    assert all(len(f["input_ids"]) <= 32 for f in features)
    first, second = features[1]["input_ids"], features[2]["input_ids"]
    assert first[-9:-1] == second[1:9]  # 8 shared tokens between neighbours ([CLS] / [SEP] aside)


def test_truncate_keeps_one_feature_per_text_without_example(tokenizer):
    features = windows.encode_texts(["short text", LONG], tokenizer, max_length=32)
    assert len(features) == 2 and "example" not in features[0]


def test_pool_rows_mean_and_max_per_text():
    features = [{"example": 0}, {"example": 1}, {"example": 1}]
    rows = [np.array([1.0, 0.0]), np.array([0.0, 2.0]), np.array([4.0, 0.0])]
    mean = windows.pool_rows(rows, features, 2, "mean")
    biggest = windows.pool_rows(rows, features, 2, "max")
    assert np.allclose(mean[1], [2.0, 1.0]) and np.allclose(biggest[1], [4.0, 2.0])
    assert np.allclose(mean[0], [1.0, 0.0])


def test_pool_logits_matches_the_numpy_pooling_and_keeps_gradients():
    logits = torch.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0]], requires_grad=True)
    example = torch.tensor([0, 1, 1])
    for pooling in ("mean", "max"):
        pooled = windows.pool_logits(logits, example, 2, pooling)
        expected = windows.pool_rows(
            list(logits.detach().numpy()), [{"example": 0}, {"example": 1}, {"example": 1}], 2, pooling
        )
        assert np.allclose(pooled.detach().numpy(), np.stack(expected))
    pooled.sum().backward()
    assert logits.grad is not None


def test_training_rows_group_windows_and_the_collator_flattens_them_back(tokenizer):
    features = windows.encode_texts(["short text", LONG], tokenizer, max_length=32, chunk=True)
    for f in features:
        f["labels"] = f["example"] * 3
    rows = windows.training_rows(features)
    assert len(rows) == 2 and rows[1]["labels"] == 3
    assert len(rows[1]["input_ids"]) == len(features) - 1  # the sampler's length: windows per text
    batch = windows.WindowCollator(tokenizer)(rows)
    assert batch["input_ids"].shape[0] == len(features)
    assert batch["example"].tolist() == windows.example_of(features)
    assert batch["labels"].tolist() == [0, 3]


def test_pooled_loss_trains_on_per_text_logits(minilm_dir, tokenizer):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(minilm_dir, num_labels=3)
    features = windows.encode_texts(["short text", LONG], tokenizer, max_length=32, chunk=True)
    for f in features:
        f["labels"] = 2
    batch = windows.WindowCollator(tokenizer)(windows.training_rows(features))
    loss, outputs = windows.pooled_loss(model, batch, "mean")
    assert outputs.logits.shape == (2, 3) and loss.requires_grad
    assert "example" in batch and "labels" in batch  # the batch is not consumed (the Trainer reads labels)
    assert windows.pooled_loss(model, {"input_ids": batch["input_ids"]}, "mean") is None
