import csv

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from helpers import TRAIN_CSV
from vertune.methods.base import LINEAR_PROBE, SETFIT_PROBE, HeadProbe
from vertune.models.batching import run_batches
from vertune.tasks import get_task
from vertune.train.head_init import _full_rows, output_layer, warm_start_head

LABELS = ["negative", "neutral", "positive"]


@pytest.mark.parametrize("probe", [LINEAR_PROBE, SETFIT_PROBE], ids=["standardised", "raw"])
def test_the_warm_started_head_predicts_like_the_probe(minilm_dir, probe: HeadProbe):
    from transformers import AutoTokenizer

    task = get_task("classification")
    rows = list(csv.DictReader(TRAIN_CSV.open(encoding="utf-8")))
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    features = task.encode([r["text"] for r in rows], tokenizer, 64)
    targets = task.target_ids([r["label"] for r in rows], LABELS)
    model = task.head(str(minilm_dir), LABELS)
    assert output_layer(model) is model.classifier
    before = model.classifier.weight.detach().clone()
    stats = warm_start_head(
        model,
        features,
        targets,
        task.collator(tokenizer),
        precision="fp32",
        device=torch.device("cpu"),
        batch_size=32,
        probe=probe,
    )
    assert not torch.equal(before, model.classifier.weight)
    assert model.training  # handed back ready to train
    model.eval()
    logits = run_batches(
        lambda batch: model(**batch).logits,
        features,
        task.collator(tokenizer),
        batch_size=32,
        precision="fp32",
        device=torch.device("cpu"),
    )
    accuracy = float((np.stack(logits).argmax(-1) == targets).mean())
    assert accuracy == pytest.approx(stats["head_probe_train_accuracy"], abs=0.02)
    assert accuracy > 0.6  # well above the 1/3 of chance on balanced classes


def test_binary_probes_fill_both_rows_and_absent_classes_stay_unlikely():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    probe = LogisticRegression().fit(x, [0, 0, 2, 2])  # label id 1 never occurs
    weight, bias = _full_rows(probe, 3, 1)
    logits = x @ weight.T + bias
    assert (logits.argmax(-1) == [0, 0, 2, 2]).all()
    assert (logits[:, 1] < logits.max(-1)).all()
