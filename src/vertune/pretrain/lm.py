"""Masked / causal language-model training on packed blocks, with held-out perplexity before and after.

Imports torch and transformers: only `vertune pretrain` and a recipe with `model.pretrain` import it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
    default_data_collator,
    set_seed,
)
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from vertune.errors import ModelNotFoundError
from vertune.hardware import autocast, peak_rss_mb, pick_device
from vertune.models.loading import load_options, loading
from vertune.models.resolve import resolve_model
from vertune.models.vocab import VocabExtension, resize_embeddings
from vertune.pretrain.blocks import pack
from vertune.pretrain.recipe import Objective, PretrainTraining
from vertune.recipe import ModelConfig
from vertune.train.callbacks import ProgressBar

AUTO_CLASSES = {"mlm": AutoModelForMaskedLM, "clm": AutoModelForCausalLM}


@dataclass
class Pretrained:
    model: Any
    stats: dict[str, Any]


def load_lm(config: ModelConfig, objective: Objective, vocab: VocabExtension | None) -> tuple[Any, list[str]]:
    """The model with its language-modelling head (embeddings grown by `vocab`), and the names of the
    weights the checkpoint lacked (a sentence encoder ships no MLM head: those start random)."""
    path = resolve_model(config.name)
    auto = AUTO_CLASSES[objective]
    try:
        model, info = loading(
            config.name, lambda: auto.from_pretrained(path, output_loading_info=True, **load_options(config))
        )
    except ValueError as exc:  # e.g. a decoder-only config asked for a masked-LM head
        kind = "masked-LM (task: mlm)" if objective == "mlm" else "causal-LM (task: clm)"
        first = str(exc).strip().splitlines()[0]
        raise ModelNotFoundError(f"{config.name}: has no {kind} form: {first}") from None
    if vocab is not None:
        resize_embeddings(model, vocab)
    return model, sorted(info.get("missing_keys", []))


def collator(tokenizer: Any, objective: Objective, training: PretrainTraining) -> Any:
    if objective == "clm":
        return default_data_collator  # blocks are equal length and carry their labels
    if tokenizer.mask_token is None:
        raise ModelNotFoundError("the tokenizer has no mask token: masked LM (task: mlm) needs an encoder")
    whole = training.whole_word_mask  # whole words are masked with [MASK] only (the collator's rule)
    return DataCollatorForLanguageModeling(
        tokenizer,
        mlm_probability=training.mlm_probability,
        whole_word_mask=whole,
        mask_replace_prob=1.0 if whole else 0.8,
        random_replace_prob=0.0 if whole else 0.1,
        seed=training.seed,
    )


def fixed_held_out(blocks: list[dict[str, Any]], collate: Any, batch_size: int) -> list[dict[str, Any]]:
    """The held-out batches, masked once (mlm), so that before and after see the same masked positions."""
    return [collate([dict(b) for b in blocks[i : i + batch_size]]) for i in range(0, len(blocks), batch_size)]


@torch.no_grad()
def perplexity(model: Any, batches: list[dict[str, Any]], precision: str, objective: Objective) -> float:
    """exp of the mean loss per predicted token over all held-out batches (not a mean of batch means);
    a causal LM predicts each label from the position before it, so its first label is never scored."""
    device = pick_device()
    model.eval()
    total, count = 0.0, 0
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        labels = batch["labels"]
        predicted = int((labels[:, 1:] if objective == "clm" else labels).ne(-100).sum())
        if predicted == 0:
            continue
        with autocast(device, precision):
            loss = model(**batch).loss
        total += float(loss) * predicted
        count += predicted
    return round(math.exp(min(total / count, 50.0)), 3) if count else float("nan")


def optimizer_groups(model: Any, new: list[str], training: PretrainTraining) -> list[dict[str, Any]]:
    """Parameter groups: new weights at their own rate; no weight decay on biases and norms."""
    tied = {id(model.get_input_embeddings().weight)}
    groups: dict[tuple[bool, bool], list[Any]] = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        fresh = name in new and id(parameter) not in tied
        decay = not ("bias" in name or "norm" in name.lower())
        groups.setdefault((fresh, decay), []).append(parameter)
    return [
        {
            "params": params,
            "lr": training.new_weights_learning_rate if fresh else training.learning_rate,
            "weight_decay": training.weight_decay if decay else 0.0,
        }
        for (fresh, decay), params in groups.items()
    ]


def train_lm(
    config: ModelConfig,
    objective: Objective,
    training: PretrainTraining,
    tokenizer: Any,
    vocab: VocabExtension | None,
    train_texts: list[str],
    held_out_texts: list[str],
    work_dir: Path,
    precision: str,
    quiet: bool = False,
    callbacks: list[Any] | None = None,
) -> Pretrained:
    """Pre-train on `train_texts`; perplexity on `held_out_texts` before and after."""
    set_seed(training.seed)
    if objective == "clm" and tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    train_blocks = pack(tokenizer, train_texts, training.max_length, objective)
    held_blocks = pack(tokenizer, held_out_texts, training.max_length, objective)
    model, new = load_lm(config, objective, vocab)
    collate = collator(tokenizer, objective, training)
    held_out = fixed_held_out(held_blocks, collate, training.eval_batch_size)
    before = perplexity(model, held_out, precision, objective)
    args = TrainingArguments(
        output_dir=str(work_dir),
        num_train_epochs=training.epochs,
        max_steps=training.max_steps or -1,
        per_device_train_batch_size=training.batch_size,
        gradient_accumulation_steps=training.gradient_accumulation_steps,
        learning_rate=training.learning_rate,
        weight_decay=training.weight_decay,
        warmup_steps=training.warmup_ratio,
        seed=training.seed,
        data_seed=training.seed,
        bf16=precision == "bf16",
        use_cpu=pick_device().type == "cpu",
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="steps",
        logging_steps=10,
        report_to="none",
        dataloader_num_workers=0,
        disable_tqdm=quiet,
        remove_unused_columns=False,  # the masked-LM collator reads offset_mapping / special_tokens_mask
    )
    optimizer_cls, optimizer_kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
    optimizer = optimizer_cls(optimizer_groups(model, new, training), **optimizer_kwargs)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_blocks,  # a list of feature dicts is a map-style dataset
        data_collator=collate,
        processing_class=tokenizer,
        optimizers=(optimizer, None),
        callbacks=callbacks or [],
    )
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    if not quiet:
        trainer.add_callback(ProgressBar("loss"))
    start = time.perf_counter()
    output = trainer.train()
    seconds = time.perf_counter() - start
    after = perplexity(model, held_out, precision, objective)
    tokens = sum(sum(b["attention_mask"]) for b in train_blocks)
    steps = trainer.state.global_step
    # block positions trained (each block is max_length long; only the last one has padding)
    trained_tokens = steps * training.batch_size * training.gradient_accumulation_steps * training.max_length
    stats = {
        "objective": objective,
        "blocks": {"train": len(train_blocks), "held_out": len(held_blocks)},
        "tokens": {"train": tokens, "held_out": sum(sum(b["attention_mask"]) for b in held_blocks)},
        "perplexity": {"before": before, "after": after},
        "new_weights": [n for n in new if not n.endswith("position_ids")][:20],
        "seconds": round(seconds, 2),
        "steps": steps,
        "epochs_run": round(trainer.state.epoch or 0.0, 2),
        "train_loss": round(float(output.training_loss), 4),
        "tokens_per_second": round(trained_tokens / seconds, 1) if seconds else 0.0,
        "peak_rss_mb": peak_rss_mb(),
        "precision": precision,
        "whole_word_mask": training.whole_word_mask if objective == "mlm" else None,
    }
    return Pretrained(trainer.model, stats)
