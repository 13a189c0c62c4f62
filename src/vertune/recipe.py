"""The recipe: pydantic models that are the single source of truth for every option and its default.

A recipe is YAML; `load_recipe` validates it, applies `--set key.path=value` overrides, rejects unknown
keys with a "did you mean", and resolves data paths relative to the recipe file.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, create_model, field_validator, model_validator
from pydantic_core import ErrorDetails

from vertune.errors import RecipeError
from vertune.methods import METHOD_NAMES, METHODS, default_learning_rate
from vertune.strict import StrictModel
from vertune.tasks import TASK_NAMES

Options = TypeVar("Options", bound=StrictModel)

Precision = Literal["auto", "bf16", "fp32"]
TagScheme = Literal["auto", "BIO", "IOB2", "BIOES", "BMES"]


class InlinePretrain(StrictModel):
    """`model.pretrain`: task-adaptive pre-training (masked LM for encoders, causal LM for `generation`) on the
    recipe's own training texts before fine-tuning; cached by content hash (vertune.pretrain.inline)."""

    epochs: float = Field(default=1, gt=0, description="passes over the training texts")
    max_steps: int | None = Field(default=None, ge=1, description="stop after this many steps; null = epochs")
    learning_rate: float = Field(default=5e-5, gt=0)
    mlm_probability: float = Field(default=0.15, gt=0, lt=1, description="mlm: share of words masked")
    whole_word_mask: bool = Field(default=True, description="mlm: mask whole words (a CJK character is one)")


class ModelConfig(StrictModel):
    name: str = Field(description="builtin alias (minilm), a local Hugging Face directory, or a hub id")
    revision: str | None = Field(default=None, description="hub revision (branch, tag or commit)")
    trust_remote_code: bool = Field(default=False, description="run model code shipped with the weights")
    extend_vocab: str | None = Field(
        default=None,
        description="add tokens the tokenizer lacks: from_data (words of the training split that become "
        "[UNK]) or a file of terms, one a line; null = off",
    )
    extend_vocab_min_frequency: int = Field(
        default=2, ge=1, description="with from_data: how often a word must occur in train to be added"
    )
    pretrain: InlinePretrain | None = Field(
        default=None, description="task-adaptive pre-training on the training texts first; null = off"
    )


class AugmentOptions(StrictModel):
    method: Literal["eda"] = Field(
        default="eda", description="eda: random swap / deletion / insertion of the text's own words"
    )
    factor: float = Field(default=1.0, gt=0, le=10, description="augmented copies per training row")
    alpha: float = Field(default=0.1, gt=0, le=0.5, description="share of each text's words changed")


class DataConfig(StrictModel):
    train: Path
    validation: Path | None = None
    test: Path | None = None
    text_column: str = "text"
    label_column: str = "label"
    validation_size: float = Field(default=0.1, gt=0, lt=1, description="share split off train if no file")
    test_size: float = Field(default=0.2, gt=0, lt=1, description="share split off train if no test file")
    split_seed: int | None = Field(
        default=None, description="seed of the validation / test split; null = training.seed"
    )
    # task: pair
    text_pair_column: str = Field(default="text_pair", description="task pair: the second text's column")
    pair_target: Literal["class", "score"] = Field(
        default="class",
        description="task pair: the label is a class (classification) or a number (regression)",
    )
    # task: multilabel
    label_delimiter: str = Field(
        default="|", min_length=1, description="task multilabel: separates labels in a text label column"
    )
    # texts longer than training.max_length (classification, regression, multilabel)
    long_text: Literal["truncate", "chunk"] = Field(
        default="truncate",
        description="truncate: keep the first max_length tokens; chunk: overlapping windows, logits pooled",
    )
    window_pooling: Literal["mean", "max"] = Field(
        default="mean", description="long_text chunk: how the windows' logits become one per text"
    )
    window_overlap: int = Field(default=32, ge=0, description="long_text chunk: tokens shared by neighbours")
    tag_scheme: TagScheme = Field(
        default="auto", description="ner: the files' tag scheme; auto = from the prefixes used"
    )
    # personal data (vertune.data.pii): replaced by typed placeholders before tokenisation, in training and
    # in predict / serve of a run trained with it
    redact: list[str] = Field(
        default_factory=list,
        description="PII types to redact: email, phone, id_card, bank_card, ip, url, iban, and person, "
        "location through data.redact_model; [] = none",
    )
    redact_model: Path | None = Field(
        default=None, description="a trained ner run that finds person / location for data.redact"
    )
    redact_phone_region: str | None = Field(
        default=None,
        description="also find phone numbers in this region's national format (US, GB, ...); null = "
        "international (+CC ...) numbers and Chinese mobiles only",
    )

    group_column: str | None = Field(
        default=None,
        description="rows sharing this column's value (customer, patient, document) stay on one side of "
        "the train / validation / test split and of the audit's folds; null = rows split one by one",
    )

    augment: AugmentOptions | None = Field(
        default=None, description="augment the training rows (never validation / test); null = off"
    )
    # zero_shot_embedding baseline (classification); task: embedding (retrieval)
    label_descriptions: dict[str, str] | None = Field(
        default=None,
        description="label -> a sentence the zero-shot baseline embeds; null / missing = the name",
    )
    query_column: str = Field(default="query", description="task embedding: the query's column")
    positive_column: str = Field(default="positive", description="task embedding: the matching document")
    negative_column: str = Field(
        default="negative", description="task embedding: an optional non-matching document (hard negative)"
    )

    # task: generation (rows with `messages`, `instruction`/`input`/`output` or these two columns)
    prompt_column: str = Field(default="prompt", description="task generation: the prompt's column")
    response_column: str = Field(default="response", description="task generation: the answer's column")
    system_prompt: str | None = Field(
        default=None, description="task generation: the system message of every conversation that has none"
    )

    @field_validator("redact")
    @classmethod
    def _known_pii_types(cls, types: list[str]) -> list[str]:
        from vertune.data.pii_types import ALL_PII_TYPES

        return [_known(name, ALL_PII_TYPES, "PII type") for name in types]

    @field_validator("redact_phone_region")
    @classmethod
    def _known_region(cls, region: str | None) -> str | None:
        if region is None:
            return None
        import phonenumbers

        return _known(region.upper(), sorted(phonenumbers.SUPPORTED_REGIONS), "phone region")

    @model_validator(mode="after")
    def _redact_model_with_its_types(self) -> DataConfig:
        from vertune.data.pii_types import MODEL_PII_TYPES

        by_model = [t for t in self.redact if t in MODEL_PII_TYPES]
        if by_model and self.redact_model is None:
            raise ValueError(
                f"data.redact {by_model[0]} needs data.redact_model: a trained ner run (runs/ner-x)"
            )
        if self.redact_model is not None and not by_model:
            raise ValueError(
                "data.redact_model is set but data.redact has neither person nor location; add them"
            )
        return self


class MethodConfigBase(StrictModel):
    """The recipe's `method` block without the per-method options; `MethodConfig` adds one block per
    registered method that has options (`method.lora: {r: 8}`), built from the method registry."""

    name: str = "full"
    l2sp: float = Field(
        default=0.0, ge=0, description="lambda of lambda*||theta - theta_0||^2 on the backbone"
    )
    merge: bool = Field(
        default=True, description="fold LoRA-style adapters into model/; false keeps an adapter directory"
    )

    @field_validator("name")
    @classmethod
    def _known_method(cls, name: str) -> str:
        from vertune.versions import broken_combination, installed_versions

        name = _known(name, METHOD_NAMES, "method")
        if (broken := broken_combination(name)) is not None:
            raise ValueError(
                f"{name} does not run on {installed_versions(broken.package)} ({broken.why}); "
                f"install {broken.package} outside {broken.specifier} or choose another method"
            )
        return name

    def options(self, model: type[Options]) -> Options:
        """The options block of the method whose options model is `model` (e.g. `LoraOptions`)."""
        for spec in METHODS.values():
            if spec.options is model:
                value = getattr(self, spec.name)
                assert isinstance(value, model)
                return value
        raise KeyError(f"no registered method has the options {model.__name__}")


def _method_config() -> type[MethodConfigBase]:
    """`MethodConfigBase` plus a `method.<name>` block for every registered method with options."""
    blocks: dict[str, Any] = {
        spec.name: (spec.options, Field(default_factory=spec.options))
        for spec in METHODS.values()
        if spec.options is not None
    }
    return create_model("MethodConfig", __base__=MethodConfigBase, __module__=__name__, **blocks)


if TYPE_CHECKING:
    MethodConfig = MethodConfigBase
else:
    MethodConfig = _method_config()


class TrainingConfig(StrictModel):
    epochs: float = Field(default=5, gt=0, description="at most; early stopping may end sooner")
    # Filled in by the data stage once the training rows are counted (stages.data.resolve_learning_rate), so
    # the run's recipe.yaml shows the rate used: parameter-efficient methods train few weights and want a
    # higher rate than full fine-tuning, and full fine-tuning's falls from 1e-4 to 5e-5 at 1,000 rows for
    # sequence-level tasks (classification, pair, regression, multilabel).
    learning_rate: float | None = Field(
        default=None,
        gt=0,
        description="the pre-trained body; null = the method's default for the data's size (see methods)",
    )
    # The head starts from random weights (and sentence-embedding checkpoints ship a near-untrained pooler),
    # so it needs a far higher rate than the pre-trained body; with one shared rate, small data often
    # learns nothing but the class prior. bench/defaults.py tested these defaults against the textbook
    # settings (2e-5 everywhere, batch 16) and other candidates on 9 datasets, 3 seeds, 2 budgets
    # (RESULTS.md, "Training defaults"; the README's "Why these training defaults").
    head_learning_rate: float | None = Field(
        default=3e-3,
        gt=0,
        description="learning rate of the new task head (and pooler); null = learning_rate",
    )
    layer_lr_decay: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="layer-wise learning-rate decay: a body layer trains at learning_rate * this ** (layers "
        "above it), the embeddings lowest; the head keeps head_learning_rate; 1 = off",
    )
    head_init: Literal["random", "linear_probe"] = Field(
        default="random",
        description="start the head from a probe on frozen features (LP-FT) or at random",
    )
    batch_size: int = Field(default=32, ge=1)
    eval_batch_size: int = Field(default=64, ge=1)
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1)
    dropout: float | None = Field(default=None, ge=0, lt=1, description="null keeps the model's own")
    early_stopping_patience: int = Field(default=2, ge=0, description="evaluations without gain; 0 = off")
    # Small validation splits are too noisy to stop on (bench/defaults.py: RESULTS.md "Training defaults").
    early_stopping_min_validation_rows: int = Field(
        default=100,
        ge=0,
        description="early stopping is off below this many validation rows (every epoch runs; the best on "
        "validation is kept)",
    )
    metric_for_best: str | None = Field(
        default=None, description="picks the checkpoint kept; null = the task's headline metric"
    )
    seed: int = 42
    precision: Precision = "auto"
    max_length: int = Field(default=128, ge=8)
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    report_to: Literal["none", "tensorboard", "mlflow"] = Field(
        default="none",
        description="tensorboard: the Trainer's logs and the final test metrics; mlflow: the same as "
        "tracking.enabled (vertune's own MLflow logging, one MLflow run per run)",
    )
    # Scale-out on the engine transformers already uses; passed to TrainingArguments unchanged.
    ddp_backend: Literal["gloo", "nccl", "ccl", "mpi", "hccl"] | None = Field(
        default=None, description="null = gloo on CPU, nccl on GPU"
    )
    fsdp: str | None = Field(default=None, description="TrainingArguments.fsdp, e.g. 'full_shard auto_wrap'")
    fsdp_config: dict[str, Any] | None = Field(default=None, description="TrainingArguments.fsdp_config")
    deepspeed: str | dict[str, Any] | None = Field(
        default=None, description="a DeepSpeed JSON config (path or mapping); needs `pip install deepspeed`"
    )
    # class imbalance (vertune.train.imbalance): single-label classes (classification, pair class)
    class_weights: Literal["none", "balanced"] | dict[str, float] = Field(
        default="none",
        description="weighted loss: none, balanced (n / (classes * rows of the class)) or {label: weight}",
    )
    loss: Literal["cross_entropy", "focal"] = Field(
        default="cross_entropy", description="focal: cross-entropy scaled by (1 - p_true)^focal_gamma"
    )
    focal_gamma: float = Field(default=2.0, ge=0, description="loss focal: how much easy rows are discounted")
    sampler: Literal["uniform", "balanced"] = Field(
        default="uniform", description="balanced: draw rows at 1 / rows of their class (with replacement)"
    )

    @field_validator("class_weights")
    @classmethod
    def _positive_weights(cls, weights: str | dict[str, float]) -> str | dict[str, float]:
        if isinstance(weights, dict) and any(w <= 0 for w in weights.values()):
            raise ValueError("class weights must be above 0")
        return weights


Baseline = Literal[
    "tfidf_logreg",
    "tfidf_ridge",
    "linear_probe",
    "most_frequent_tag",
    "zero_shot_embedding",
    "bm25",
    "untuned_encoder",
    "zero_shot",
    "few_shot",
]
GenerationMetric = Literal["exact_match", "rouge_l", "token_f1", "chrf", "bleu"]
DEFAULT_GENERATION_METRICS: tuple[GenerationMetric, ...] = ("exact_match", "rouge_l")


class EvaluationConfig(StrictModel):
    baselines: list[Baseline] | None = Field(default=None, description="null = every baseline of the task")
    # task: generation
    metrics: list[GenerationMetric] = Field(
        default_factory=lambda: list(DEFAULT_GENERATION_METRICS),
        description="task generation: scores of the test generations (perplexity is always added)",
    )
    few_shot_k: int = Field(default=3, ge=1, le=16, description="few_shot baseline: examples from train")
    explain_errors: int = Field(
        default=3,
        ge=0,
        le=20,
        description="most confident wrong test predictions the report explains; 0 = none",
    )


class GenerationConfig(StrictModel):
    """task generation: how test generations, predict, chat and serve decode (greedy by default)."""

    max_new_tokens: int = Field(default=64, ge=1, le=4096)
    temperature: float = Field(default=0.0, ge=0, le=2, description="0 = greedy")
    top_p: float = Field(default=1.0, gt=0, le=1)
    stop: list[str] = Field(default_factory=list, description="cut the answer at the first of these")


class SearchParam(StrictModel):
    """One dimension of the search: a range (`low`, `high`, optionally `log` / `step`) or `choices`."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _range_or_choices(self) -> SearchParam:
        if (self.choices is None) == (self.low is None or self.high is None):
            raise ValueError("give either low and high, or choices")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low is above high")
        return self


class TuneConfig(StrictModel):
    trials: int = Field(default=20, ge=1, description="trials in all (a resumed search counts earlier ones)")
    timeout: float | None = Field(default=None, gt=0, description="seconds for this invocation; null = none")
    pruner: Literal["median", "none"] = Field(
        default="median", description="stop trials whose validation curve is below the median"
    )
    space: dict[str, SearchParam] | None = Field(
        default=None, description="recipe key -> range or choices; null = the defaults for the method"
    )


class TrackingConfig(StrictModel):
    """MLflow logging of every run (vertune.tracking): recipe, epochs, final metrics, artefacts, lineage."""

    enabled: bool = Field(default=True, description="false: log nothing (or env VERTUNE_TRACKING=off)")
    uri: str | None = Field(
        default=None,
        description="tracking server or store; null = MLFLOW_TRACKING_URI, else sqlite runs/mlflow.db "
        "beside the run directory",
    )
    experiment: str = Field(default="vertune", description="MLflow experiment name")
    log_model: bool = Field(default=False, description="also log model/ (the weights) as an artefact")
    registered_model: str | None = Field(
        default=None, description="registry name for `promote`; null = the first ancestor run's name"
    )


CONTINUAL_STRATEGIES = ("none", "replay", "l2sp", "ewc", "lwf")


class ContinualConfig(StrictModel):
    """`vertune continue`: how a run learns new data without forgetting what its ancestors learnt."""

    strategy: str = Field(
        default="replay+l2sp",
        description="+-joined: replay (ancestors' rows mixed in), l2sp (penalty toward the parent's "
        "weights), ewc (the same weighted by the parent's Fisher information), lwf (distillation toward "
        "the parent's outputs); none = plain fine-tuning",
    )
    # 0.5 on evidence (bench/RESULTS.md, "Continual learning, third pass"): with class-incremental BBC News
    # steps 0.2 kept too few rows of each old class (forgetting 16-50 points over 3 seeds), 0.5 forgets
    # -3 to 12 (1.0: -7 to 0, at twice the replayed rows); on the drug reviews arriving by condition, after
    # three steps, 0.5 forgets -2 points against 3 for 0.2 (1.0: -11). One seed there: re-check with more.
    replay: float = Field(default=0.5, gt=0, le=1, description="share of each ancestor's training rows")
    l2sp: float = Field(default=0.01, ge=0, description="lambda of lambda*||theta - theta_parent||^2")
    ewc: float = Field(
        default=0.01, ge=0, description="lambda of the Fisher-weighted penalty (Fisher scaled to mean 1)"
    )
    lwf: float = Field(default=1.0, ge=0, description="weight of the distillation loss toward the parent")
    lwf_temperature: float = Field(default=2.0, gt=0, description="softmax temperature of the distillation")
    fisher_rows: int = Field(
        default=256, ge=1, description="ewc: parent training rows the Fisher is taken on"
    )

    @field_validator("strategy")
    @classmethod
    def _known_strategies(cls, strategy: str) -> str:
        parts = [part.strip() for part in strategy.split("+")]
        for part in parts:
            _known(part, CONTINUAL_STRATEGIES, "continual strategy")
        if "none" in parts and len(parts) > 1:
            raise ValueError("none cannot be combined with another strategy")
        return "+".join(parts)

    def uses(self, part: str) -> bool:
        return part in self.strategy.split("+")


def model_shorthand(values: Any) -> Any:
    """`model: minilm` is shorthand for `model: {name: minilm}` (every recipe with a model block)."""
    if isinstance(values, dict) and isinstance(values.get("model"), str):
        values = {**values, "model": {"name": values["model"]}}
    return values


class Recipe(StrictModel):
    model: ModelConfig
    task: str = "classification"
    data: DataConfig
    method: MethodConfig = Field(default_factory=MethodConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    tune: TuneConfig = Field(default_factory=TuneConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    continual: ContinualConfig = Field(default_factory=ContinualConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    output: Path | None = Field(default=None, description="run directory; default runs/<recipe name>")

    @model_validator(mode="before")
    @classmethod
    def _model_shorthand(cls, values: Any) -> Any:
        return model_shorthand(values)

    @field_validator("task")
    @classmethod
    def _known_task(cls, task: str) -> str:
        if task in ("mlm", "clm"):
            raise ValueError(
                f"task {task} is pre-training on raw text: run it with `vertune pretrain RECIPE`"
            )
        return _known(task, TASK_NAMES, "task")

    @model_validator(mode="after")
    def _vocab_saved_with_the_model(self) -> Recipe:
        # An adapter saved alone is loaded over the base model, whose embeddings lack the new rows.
        if self.model.extend_vocab is None:
            return self
        if self.method.name in ("prefix", "prompt") or (
            self.method.name in ("lora", "adalora", "ia3") and not self.method.merge
        ):
            raise ValueError(
                f"model.extend_vocab: method {self.method.name} saves an adapter alone, without the new "
                "tokens' embedding rows; use method.merge: true (the default), another method, or no "
                "extend_vocab"
            )
        return self

    @model_validator(mode="after")
    def _report_to_mlflow(self) -> Recipe:
        # `training.report_to: mlflow` predates the `tracking` block: it now means vertune's own tracker.
        if self.training.report_to == "mlflow" and not self.tracking.enabled:
            raise ValueError("training.report_to: mlflow contradicts tracking.enabled: false; drop one")
        return self

    @property
    def body_learning_rate(self) -> float:
        """training.learning_rate, or the method's default where the recipe leaves it out."""
        return self.training.learning_rate or default_learning_rate(self.method.name)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML parser error in one line: what is wrong and where (the parser's own text spans lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    """Read, override and validate a recipe file. Relative data paths are relative to the recipe file."""
    path = Path(path)
    recipe = recipe_from_dict(read_recipe_file(path, overrides), source=str(path))
    return resolve_paths(recipe, path)


def read_recipe_file(path: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    """A recipe file's mapping with the `--set` overrides applied (not validated yet)."""
    if not path.is_file():
        raise RecipeError(f"{path}: recipe file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    except UnicodeDecodeError:
        raise RecipeError(f"{path}: not UTF-8 text; save the recipe as UTF-8") from None
    if not isinstance(raw, dict):
        raise RecipeError(f"{path}: a recipe is a mapping of keys (model, task, data, ...)")
    for override in overrides or []:
        apply_override(raw, override)
    return raw


Loaded = TypeVar("Loaded", bound=Any)


def resolve_paths(recipe: Loaded, path: Path) -> Loaded:
    """Data paths and a vocabulary file relative to the recipe file; the default output runs/<name>."""
    base = path.parent
    data = recipe.data
    for field in ("train", "validation", "test"):
        value = getattr(data, field, None)
        if value is not None and not value.is_absolute():
            setattr(data, field, (base / value).resolve())
    redact_model = getattr(data, "redact_model", None)  # a task recipe's data; `pretrain`'s has none
    if redact_model is not None and not redact_model.is_absolute():
        # a run directory: beside the recipe if it is there, else from the working directory (like output)
        beside = base / redact_model
        data.redact_model = (beside if beside.is_dir() else redact_model).resolve()
    vocab = recipe.model.extend_vocab
    if vocab not in (None, "from_data") and not Path(vocab).is_absolute():
        recipe.model.extend_vocab = str((base / vocab).resolve())
    if recipe.output is None:
        recipe.output = Path("runs") / path.stem
    return recipe


def recipe_from_dict(raw: dict[str, Any], source: str = "recipe") -> Recipe:
    return validate_recipe(Recipe, raw, source)


Kind = TypeVar("Kind", bound=BaseModel)


def validate_recipe(kind: type[Kind], raw: dict[str, Any], source: str) -> Kind:
    """`raw` validated as `kind` (Recipe, or another verb's recipe); every problem one line."""
    try:
        return kind.model_validate(raw)
    except ValidationError as exc:
        raise RecipeError("\n".join(_explain(error, source, kind) for error in exc.errors())) from None


def apply_override(raw: dict[str, Any], override: str) -> None:
    """Apply one `--set a.b.c=value` (value parsed as YAML: 5, 2e-5, true, null, [a, b])."""
    key, sep, value = override.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"--set {override!r}: expected key.path=value, e.g. training.epochs=5")
    parts = key.strip().split(".")
    node = raw
    for part in parts[:-1]:
        child = node.get(part)
        if isinstance(child, str) and part == "model":
            child = {"name": child}
        if not isinstance(child, dict):
            child = {}
        node[part] = child
        node = child
    try:
        node[parts[-1]] = yaml.safe_load(value)
    except yaml.YAMLError:
        node[parts[-1]] = value


def _explain(error: ErrorDetails, source: str, kind: type[BaseModel] = Recipe) -> str:
    loc = [str(p) for p in error["loc"]]
    where = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(kind, loc[:-1])
        return (
            f"{source}: {where}: unknown key{_did_you_mean(loc[-1], allowed)} (allowed: {', '.join(allowed)})"
        )
    if error["type"] == "missing":
        return f"{source}: {where}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{source}: {where}: {message} (got {error.get('input')!r})"


def _allowed_keys(model: type[BaseModel], path: list[str]) -> list[str]:
    for part in path:
        field = model.model_fields.get(part)
        nested = _model_in(field.annotation) if field else None
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None


def _known(name: str, names: typing.Iterable[str], what: str) -> str:
    if name not in names:
        raise ValueError(f"unknown {what} {name!r}{_did_you_mean(name, names)}")
    return name


def _did_you_mean(word: str, candidates: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""
