"""The recipe options of the built-in methods (`method.<name>: {...}`), torch-free: the recipe validates
them without importing a method's implementation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vertune.strict import StrictModel


class FreezeOptions(StrictModel):
    layers: int = Field(default=2, ge=0, description="how many of the lowest transformer layers to freeze")
    ratio: float | None = Field(
        default=None, ge=0, le=1, description="share of the layers to freeze (rounded down); overrides layers"
    )
    embeddings: bool = Field(default=True, description="freeze the embeddings too")


class LoraOptions(StrictModel):
    r: int = Field(default=8, ge=1, description="rank of the update")
    alpha: float = Field(default=16, gt=0, description="scale: the update is multiplied by alpha / r")
    dropout: float = Field(default=0.1, ge=0, lt=1)
    target_modules: list[str] | None = Field(
        default=None, description="module names to adapt; null = PEFT's choice for the architecture"
    )
    dora: bool = Field(default=False, description="weight-decomposed LoRA (DoRA)")
    rslora: bool = Field(default=False, description="rank-stabilised scaling alpha / sqrt(r)")


class AdaLoraOptions(StrictModel):
    init_r: int = Field(default=12, ge=1, description="starting rank of every adapted matrix")
    target_r: int = Field(default=4, ge=1, description="average rank after the budget is pruned")
    alpha: float = Field(default=16, gt=0)
    dropout: float = Field(default=0.1, ge=0, lt=1)
    target_modules: list[str] | None = None


class IA3Options(StrictModel):
    target_modules: list[str] | None = Field(default=None, description="null = PEFT's choice")
    feedforward_modules: list[str] | None = None


class PrefixOptions(StrictModel):
    virtual_tokens: int = Field(default=20, ge=1)
    projection: bool = Field(default=False, description="reparametrise the prefix through an MLP")


class PromptOptions(StrictModel):
    virtual_tokens: int = Field(default=20, ge=1)


class AdapterOptions(StrictModel):
    kind: Literal["houlsby", "pfeiffer"] = Field(
        default="pfeiffer", description="houlsby: after attention and feed-forward; pfeiffer: feed-forward"
    )
    reduction: int = Field(default=16, ge=1, description="bottleneck size = hidden size / reduction")


class ContrastiveOptions(StrictModel):
    iterations: int = Field(
        default=20,
        ge=1,
        description="SetFit's num_iterations: pairs drawn per training row (x2: one positive, one negative)",
    )
    body_epochs: int = Field(default=1, ge=1, description="epochs of contrastive training over the pairs")
    body_learning_rate: float = Field(default=2e-5, gt=0, description="the encoder's rate in the pair phase")
    batch_size: int = Field(default=16, ge=1, description="pairs per batch in the pair phase")
    max_steps: int | None = Field(
        default=None,
        ge=1,
        description="stop the pair phase after this many batches if it is longer (large data)",
    )
    probe_head: bool = Field(
        default=True,
        description="start the head from SetFit's head: a logistic regression fitted to convergence on the tuned "
        "body's features (false: a random head, trained only by the Trainer's epochs)",
    )
    train_body: bool = Field(
        default=False,
        description="after the pair phase, fine-tune the encoder with the head (false: head only)",
    )
    pooling: Literal["mean", "cls"] = Field(
        default="mean", description="how the encoder's tokens become the sentence embedding in the pair phase"
    )
