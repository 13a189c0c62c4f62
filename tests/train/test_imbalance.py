from collections import Counter
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, TrainingArguments

from vertune.errors import RecipeError
from vertune.methods import build_method
from vertune.recipe import MethodConfig, Recipe, TrainingConfig, recipe_from_dict
from vertune.tasks import get_task
from vertune.tasks.base import Examples
from vertune.train.imbalance import check_task, class_weights, loss_function, training_hooks
from vertune.train.trainer import VertuneTrainer

LABELS = ["negative", "neutral", "positive"]


def test_class_weights():
    targets = ["positive"] * 6 + ["negative"] * 3 + ["neutral"]
    assert class_weights("none", targets, LABELS) is None
    assert class_weights("balanced", targets, LABELS) == pytest.approx([10 / 9, 10 / 3, 10 / 18])
    assert class_weights({"neutral": 4}, targets, LABELS) == [1.0, 4.0, 1.0]
    with pytest.raises(RecipeError, match="label 'neutrl' is not in the training data"):
        class_weights({"neutrl": 4}, targets, LABELS)


def test_weighted_and_focal_losses():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.1, 0.2, 0.3], [0.0, 3.0, 0.0]])
    labels = torch.tensor([0, 2, 1])
    weights = [1.0, 2.0, 0.5]
    expected = torch.nn.functional.cross_entropy(logits, labels, weight=torch.tensor(weights))
    assert loss_function(weights)(logits, labels) == pytest.approx(expected.item())
    plain = torch.nn.functional.cross_entropy(logits, labels).item()
    assert loss_function(None, "focal", gamma=0.0)(logits, labels) == pytest.approx(plain)
    assert loss_function(None, "focal", gamma=2.0)(logits, labels) < plain  # easy rows count less
    weighted_focal = loss_function(weights, "focal", gamma=0.0)(logits, labels)
    assert weighted_focal == pytest.approx(expected.item())  # gamma 0: weighted cross-entropy


def test_recipe_options_and_task_check():
    with pytest.raises(RecipeError, match="class weights must be above 0"):
        recipe_from_dict(
            {"model": "minilm", "data": {"train": "t.csv"}, "training": {"class_weights": {"a": 0}}}
        )
    with pytest.raises(RecipeError, match=r"training.loss"):
        recipe_from_dict({"model": "minilm", "data": {"train": "t.csv"}, "training": {"loss": "hinge"}})
    with pytest.raises(RecipeError, match="not task regression"):
        check_task(TrainingConfig(loss="focal"), get_task("regression"))
    check_task(TrainingConfig(), get_task("regression"))  # defaults are fine for every task


def test_trainer_uses_the_weighted_focal_loss_and_the_balanced_sampler(minilm_dir, tmp_path):
    task = get_task("classification")
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    model = task.head(str(minilm_dir), LABELS)
    texts = ["good drug", "it gave me a rash", "fine", "great", "awful", "best ever"]
    targets = ["positive", "negative", "neutral", "positive", "negative", "positive"]
    features = task.encode(texts, tokenizer, 32)
    task.attach_targets(features, Examples(Path("t.csv"), texts, targets), LABELS)
    recipe = Recipe.model_validate(
        {
            "model": "minilm",
            "data": {"train": "t.csv"},
            "training": {"class_weights": "balanced", "loss": "focal", "sampler": "balanced"},
        }
    )
    hooks = training_hooks(recipe, task, Examples(Path("t.csv"), texts, targets), LABELS)
    method = build_method(MethodConfig())
    trainer = VertuneTrainer(
        model=method.prepare(model),
        args=TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", seed=3),
        train_dataset=features,
        data_collator=task.collator(tokenizer),
        method=method,
        **hooks,
    )
    batch = trainer.data_collator(features)
    model.eval()
    loss, outputs = trainer.compute_loss(model, dict(batch), return_outputs=True)
    weights = class_weights("balanced", targets, LABELS)
    assert loss.item() == pytest.approx(
        loss_function(weights, "focal")(outputs.logits, batch["labels"]).item()
    )
    sampler = trainer._get_train_sampler()
    drawn = Counter(targets[i] for _ in range(300) for i in sampler)
    assert max(drawn.values()) / min(drawn.values()) < 1.3  # each class about a third of the draws
    assert (
        training_hooks(
            Recipe.model_validate({"model": "minilm", "data": {"train": "t.csv"}}), task, None, LABELS
        )
        == {}
    )
