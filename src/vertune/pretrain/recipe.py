"""The pre-training recipe (`vertune pretrain RECIPE`): a model, `task: mlm | clm`, raw text, training
settings. Torch-free, like the fine-tuning recipe whose model block and loading it shares."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from vertune.recipe import (
    InlinePretrain,
    ModelConfig,
    Precision,
    Recipe,
    TrackingConfig,
    model_shorthand,
    read_recipe_file,
    resolve_paths,
    validate_recipe,
)
from vertune.strict import StrictModel

Objective = Literal["mlm", "clm"]


class PretrainData(StrictModel):
    train: Path = Field(description="raw text: .txt (one document a line), .jsonl / .csv / .tsv / .parquet")
    validation: Path | None = Field(default=None, description="held-out text; null = split off train")
    text_column: str = Field(default="text", description="the text's column (jsonl, csv, tsv, parquet)")
    validation_size: float = Field(
        default=0.05, gt=0, lt=0.5, description="share of the documents held out when there is no file"
    )
    deduplicate: bool = Field(
        default=True, description="drop repeated documents (same text up to case and whitespace)"
    )


class PretrainTraining(StrictModel):
    epochs: float = Field(default=1, gt=0)
    max_steps: int | None = Field(default=None, ge=1, description="stop after this many steps; null = epochs")
    learning_rate: float = Field(default=5e-5, gt=0)
    new_weights_learning_rate: float = Field(
        default=1e-3,
        gt=0,
        description="weights the checkpoint lacks (a sentence encoder has no MLM head): they start random",
    )
    batch_size: int = Field(default=16, ge=1)
    eval_batch_size: int = Field(default=32, ge=1)
    max_length: int = Field(default=128, ge=8, description="tokens per packed block")
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_ratio: float = Field(default=0.06, ge=0, lt=1)
    seed: int = 42
    precision: Precision = "auto"
    mlm_probability: float = Field(default=0.15, gt=0, lt=1, description="mlm: share of words masked")
    whole_word_mask: bool = Field(default=True, description="mlm: mask whole words (a CJK character is one)")


class PretrainRecipe(StrictModel):
    model: ModelConfig
    task: Objective = Field(description="mlm: masked LM (encoders); clm: causal LM (decoders)")
    data: PretrainData
    training: PretrainTraining = Field(default_factory=PretrainTraining)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    output: Path | None = Field(default=None, description="run directory; default runs/<recipe name>")

    @model_validator(mode="before")
    @classmethod
    def _model_shorthand(cls, values: object) -> object:
        values = model_shorthand(values)
        if isinstance(values, dict) and values.get("task") not in (None, "mlm", "clm"):
            raise ValueError(
                f"vertune pretrain takes task: mlm (encoders) or clm (decoders), not {values.get('task')!r}; "
                "fine-tune with `vertune train`"
            )
        return values

    @model_validator(mode="after")
    def _no_nested_pretrain(self) -> PretrainRecipe:
        if self.model.pretrain is not None:
            raise ValueError(
                "model.pretrain belongs in a fine-tuning recipe; this recipe is the pre-training"
            )
        return self

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def load_pretrain_recipe(path: str | Path, overrides: list[str] | None = None) -> PretrainRecipe:
    """Read, override and validate a pre-training recipe; paths relative to the recipe file."""
    path = Path(path)
    recipe = validate_recipe(PretrainRecipe, read_recipe_file(path, overrides), str(path))
    return resolve_paths(recipe, path)


def objective_for(task: str) -> Objective:
    """The pre-training objective of a fine-tuning task's model: causal LM for generation, else masked LM."""
    return "clm" if task == "generation" else "mlm"


def inline_training(recipe: Recipe, options: InlinePretrain) -> PretrainTraining:
    """The pre-training a fine-tuning recipe's `model.pretrain` asks for: its options, with the recipe's
    batch size, length, seed and precision."""
    t = recipe.training
    return PretrainTraining(
        epochs=options.epochs,
        max_steps=options.max_steps,
        learning_rate=options.learning_rate,
        batch_size=t.batch_size,
        eval_batch_size=t.eval_batch_size,
        max_length=t.max_length,
        seed=t.seed,
        precision=t.precision,
        mlm_probability=options.mlm_probability,
        whole_word_mask=options.whole_word_mask,
    )
