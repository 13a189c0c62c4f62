import pytest
import torch
from transformers import AutoTokenizer, TrainingArguments

from vertune.methods import build_method
from vertune.methods.base import backbone, head_parameters
from vertune.recipe import MethodConfig
from vertune.tasks import get_task
from vertune.train.trainer import VertuneTrainer

LABELS = ["a", "b"]


@pytest.fixture
def parts(minilm_dir, tmp_path):
    task = get_task("classification")
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    model = task.head(str(minilm_dir), LABELS)
    features = task.encode(["good drug", "it gave me a rash"], tokenizer, 32)
    for feature, label in zip(features, (0, 1), strict=True):
        feature["labels"] = label
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", learning_rate=1e-4)
    return task, tokenizer, model, features, args


def make_trainer(parts, method, head_learning_rate=None):
    task, tokenizer, model, features, args = parts
    prepared = method.prepare(model)
    return VertuneTrainer(
        model=prepared,
        args=args,
        train_dataset=features,
        data_collator=task.collator(tokenizer),
        method=method,
        head_learning_rate=head_learning_rate,
    )


def test_head_parameters_get_their_own_learning_rate(parts):
    trainer = make_trainer(parts, build_method(MethodConfig()), head_learning_rate=3e-3)
    optimizer = trainer.create_optimizer()
    head = {id(p) for p in head_parameters(trainer.model)}
    for group in optimizer.param_groups:
        in_head = {id(p) in head for p in group["params"]}
        assert len(in_head) == 1  # a group is all head or all body
        assert group["lr"] == (3e-3 if in_head == {True} else 1e-4)
    grouped = sum(len(g["params"]) for g in optimizer.param_groups)
    assert grouped == sum(1 for p in trainer.model.parameters() if p.requires_grad)
    assert trainer.create_optimizer() is optimizer  # built once


def test_l2sp_penalty_is_added_to_the_training_loss_only(parts):
    trainer = make_trainer(parts, build_method(MethodConfig(l2sp=10.0)))
    model = trainer.model
    batch = trainer.data_collator(parts[3])
    with torch.no_grad():
        backbone(model).encoder.layer[0].output.dense.weight.add_(0.05)
    model.eval()
    task_loss = trainer.compute_loss(model, dict(batch)).item()
    model.train()
    torch.manual_seed(0)
    with_penalty = trainer.compute_loss(model, dict(batch)).item()
    penalty = trainer.method.extra_loss(model).item()
    assert penalty > 1.0
    assert with_penalty > task_loss + 0.9 * penalty  # dropout moves the task loss a little


def test_the_head_keeps_its_learning_rate_through_a_peft_wrapper(parts):
    trainer = make_trainer(parts, build_method(MethodConfig(name="lora")), head_learning_rate=3e-3)
    optimizer = trainer.create_optimizer()
    head = {id(p) for p in head_parameters(trainer.model) if p.requires_grad}
    assert len(head) == 4  # classifier and pooler weights and biases (PEFT's trainable copies)
    rates = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    assert {rates[i] for i in head} == {3e-3}
    assert {lr for i, lr in rates.items() if i not in head} == {1e-4}


def test_scale_out_settings_pass_through(tmp_path):
    from vertune.recipe import recipe_from_dict
    from vertune.train.fit import scale_out_arguments

    recipe = recipe_from_dict(
        {
            "model": "minilm",
            "data": {"train": "t.csv"},
            "training": {
                "fsdp": "full_shard auto_wrap",
                "fsdp_config": {"min_num_params": 1000},
                "deepspeed": "ds.json",
            },
        }
    )
    assert scale_out_arguments(recipe) == {
        "fsdp": "full_shard auto_wrap",
        "fsdp_config": {"min_num_params": 1000},
        "deepspeed": "ds.json",
    }
    assert scale_out_arguments(recipe_from_dict({"model": "minilm", "data": {"train": "t.csv"}})) == {}
