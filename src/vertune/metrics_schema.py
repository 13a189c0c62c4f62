"""The schema of a run's metrics.json: one versioned pydantic model, written and read only through here.

    {"schema": 1,
     "recipe":      what ran (model, task, method, selection metric, ...),
     "validation":  the task's scores on the validation split      (train)
     "test":        the task's scores on the test split
     "baselines":   {name: scores + seconds + description}          (train)
     "train":       the fit's statistics                            (train)
     "data":        {split: statistics, "warnings": [...]}
     "vocabulary":  the vocabulary extension                        (train with model.extend_vocab)
     "compression": parent and compressed model side by side        (compress)
     "comparisons": {baseline: difference, interval, p_value, verdict} on the headline metric (train)
     "retention":   {test set: {parent, child, delta}} of the headline metric      (continue)
     "continual":   strategy, forgetting, backward transfer, the lineage's matrix    (continue)
     "pretrain":    language-model pre-training: held-out perplexity before / after, tokens/s (pretrain,
                    train with model.pretrain)}
The test scores' `ece` / `ece_uncalibrated` / `temperature` and `reliability` are the calibration of a
single-label task (tasks/calibrated.py). The test scores' `intervals` holds the 95% bootstrap interval of each headline metric (evaluate/intervals.py).

Scores differ by task (accuracy / macro_f1 for classification, f1 / precision for NER, rmse / r2 for
regression ...): `Scores` types the parts every report reads (examples, per_class, confusion_matrix,
scatter, NER errors) and keeps each task's metric numbers as extra keys (`Scores.value(name)`).
A file written before the schema existed has no "schema" key; it reads as schema 1.

Torch-free: importing this module imports pydantic only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vertune.errors import RunDirError
from vertune.run import write_json_atomic

SCHEMA_VERSION = 1

Number = int | float


class _Open(BaseModel):
    """A section that keeps keys it does not name (a task's or a stage's own details)."""

    model_config = ConfigDict(extra="allow")

    def get(self, key: str, default: Any = None) -> Any:
        """A named field or an extra key, like dict.get."""
        if key in type(self).model_fields:
            value = getattr(self, key)
            return default if value is None else value
        return (self.model_extra or {}).get(key, default)


class RecipeInfo(_Open):
    """What ran. `model` is the base model (train, compress) or the evaluated run (evaluate)."""

    task: str
    metric: str
    model: str | None = None
    method: str | None = None
    summary_metrics: list[str] = Field(default_factory=list)
    output: str | None = None
    parent: str | None = None  # compress: the parent run
    data: str | None = None  # evaluate: the scored file


class ClassScores(_Open):
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    support: int | None = None
    predicted: int | None = None  # multilabel: how often the label was predicted
    threshold: float | None = None  # multilabel: the tuned decision threshold


class ConfusionMatrix(BaseModel):
    labels: list[str]
    matrix: list[list[Number]]


class Scatter(BaseModel):
    """Regression: (true, predicted) points for the scatter plot."""

    true: list[float]
    predicted: list[float]


class ReliabilityBin(BaseModel):
    """One confidence bin of a reliability diagram (evaluate/calibration.reliability)."""

    low: float
    high: float
    confidence: float
    accuracy: float
    rows: int


# [low, high] of a 95% interval
Interval = Annotated[list[float], Field(min_length=2, max_length=2)]


class Scores(BaseModel):
    """A task's scores on one split. Metric numbers (accuracy, macro_f1, f1, rmse, ...) are extra keys."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Number | None] = Field(init=False)

    examples: int | None = None
    intervals: dict[str, Interval] | None = None  # metric: 95% bootstrap interval over the rows
    per_class: dict[str, ClassScores] | None = None
    confusion_matrix: ConfusionMatrix | None = None
    scatter: Scatter | None = None
    errors: dict[str, int] | None = None  # NER: gold entities by outcome
    type_confusions: dict[str, int] | None = None  # NER: "gold -> predicted": count
    # single-label: {"uncalibrated" | "calibrated": bins} behind `ece_uncalibrated` / `ece`
    reliability: dict[str, list[ReliabilityBin]] | None = None
    # evaluate --robustness: per perturbation (evaluate/robustness.py)
    robustness: dict[str, Any] | None = None
    # the most confident test errors with token attributions (stages/explain.explain_errors)
    explanations: list[dict[str, Any]] | None = None

    def value(self, metric: str) -> float | None:
        """The named metric's number, or None when this split did not record it."""
        number = (self.model_extra or {}).get(metric)
        return None if number is None else float(number)

    def metrics(self) -> dict[str, Number | None]:
        """Every metric number, by name."""
        return dict(self.model_extra or {})


class BaselineScores(Scores):
    seconds: float | None = None
    description: str | None = None


class TrainStats(_Open):
    """The fit's statistics; a method or head initialisation may add its own keys."""

    method: str | None = None
    precision: str | None = None
    device: str | None = None
    seconds: float | None = None
    training_seconds: float | None = None
    samples_per_second: float | None = None
    trainable_params: int | None = None
    total_params: int | None = None
    peak_rss_mb: float | None = None
    epochs_run: float | None = None
    best_step: int | None = None
    resumed_from: str | None = None
    head_init: str | None = None


class TargetStats(_Open):
    """Regression: the training targets' range and spread."""

    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None


class SplitStats(_Open):
    """One split's statistics; a task's `target_stats` decides which of the optional ones it has."""

    rows: int | None = None
    classes: dict[str, int] | None = None
    longer_than_max_length: float | None = None
    median_tokens: float | None = None
    target: TargetStats | None = None
    labels_per_row: float | None = None
    tokens: int | None = None


class DataStats(BaseModel):
    """{"train": SplitStats, "validation": ..., "test": ..., "warnings": [...]}: splits are extra keys."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, SplitStats] = Field(init=False)

    warnings: list[str] = Field(default_factory=list)

    def splits(self) -> dict[str, SplitStats]:
        return dict(self.model_extra or {})

    def split(self, name: str) -> SplitStats | None:
        return (self.model_extra or {}).get(name)


class UnknownShare(_Open):
    tokens: int = 0
    unknown: int = 0
    share: float = 0.0


class VocabularyStats(_Open):
    added_tokens: int
    initialised_from_pieces: int = 0
    initialised_from_mean: int = 0
    examples: list[str] = Field(default_factory=list)
    unknown_before: dict[str, UnknownShare] = Field(default_factory=dict)
    unknown_after: dict[str, UnknownShare] = Field(default_factory=dict)


class Measurement(_Open):
    """One model on its own runtime, measured by compress."""

    runtime: str
    test: Scores
    size_mb: float
    p50_ms: float
    p99_ms: float
    throughput_bs32: float
    precision: str | None = None


class CompressionStats(_Open):
    """Parent and compressed model side by side, and the deltas; the method's details are extra keys."""

    method: str
    parent: Measurement
    compressed: Measurement
    delta: dict[str, float]
    warnings: list[str] = Field(default_factory=list)  # e.g. the compressed model's metric collapsed
    seconds: float | None = None
    machine: dict[str, Any] = Field(default_factory=dict)


class PretrainStats(_Open):
    """Masked / causal LM pre-training (vertune pretrain, or model.pretrain before fine-tuning)."""

    objective: str
    perplexity: dict[str, float] = Field(default_factory=dict)  # {"before": ..., "after": ...} held out
    seconds: float | None = None
    tokens_per_second: float | None = None
    cached: bool | None = None  # model.pretrain: reused from the cache


class Comparison(BaseModel):
    """The fine-tuned model against one baseline on the test rows (evaluate/intervals.compare)."""

    metric: str | None = None
    difference: float  # model minus baseline
    interval: Interval  # paired bootstrap 95% interval of the difference
    p_value: float = Field(ge=0, le=1)
    verdict: Literal["beats", "ties (difference within noise)", "loses"]
    test: str | None = None  # "paired bootstrap" or "mcnemar"


class RetentionRow(BaseModel):
    """Parent and child on one test set of the lineage (parent and delta null where the parent cannot
    predict the set's labels)."""

    parent: float | None = None
    child: float
    delta: float | None = None


class MatrixRow(BaseModel):
    """One model of the lineage: its own test set and its score on each test set (null = not measured)."""

    model: str
    test_set: str
    scores: dict[str, float | None]


class ContinualStats(_Open):
    """A continued run: how it learnt and what it kept (continual/retention.py)."""

    strategy: str
    metric: str
    new_test_set: str
    test_sets: list[str]
    forgetting: float | None = None  # the largest drop on an earlier test set, in metric units
    backward_transfer: float | None = None
    matrix: list[MatrixRow] = Field(default_factory=list)


class RunMetrics(BaseModel):
    """The whole metrics.json. Written as {"schema": 1, ...}; unknown top-level keys are an error."""

    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    schema_version: Literal[1] = Field(default=1, alias="schema")
    recipe: RecipeInfo
    validation: Scores | None = None
    test: Scores | None = None
    baselines: dict[str, BaselineScores] | None = None
    train: TrainStats | None = None
    data: DataStats | None = None
    vocabulary: VocabularyStats | None = None
    compression: CompressionStats | None = None
    comparisons: dict[str, Comparison] | None = None
    retention: dict[str, RetentionRow] | None = None
    continual: ContinualStats | None = None
    pretrain: PretrainStats | None = None

    def scores(self, split: str) -> Scores | None:
        """The scores of "test" or "validation"."""
        if split not in ("test", "validation"):
            raise ValueError(f"no scores for split {split!r}")
        return self.test if split == "test" else self.validation

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to metrics.json: "schema" first, keys not given left out."""
        body = self.model_dump(mode="python", exclude_unset=True, exclude={"schema_version"})
        return {"schema": self.schema_version, **body}


def write_metrics(path: Path, metrics: RunMetrics) -> None:
    """Write metrics.json atomically."""
    write_json_atomic(path, metrics.to_json())


def parse_metrics(data: Any, source: str = "metrics") -> RunMetrics:
    """Validate a metrics object (as read from JSON); RunDirError naming `source` when it does not fit."""
    if not isinstance(data, dict):
        raise RunDirError(f"{source}: expected a JSON object of metrics, found {type(data).__name__}")
    version = data.get("schema", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise RunDirError(
            f"{source}: metrics schema {version!r} is not one this vertune reads (schema {SCHEMA_VERSION}); "
            "use the vertune version that wrote the run"
        )
    try:
        return RunMetrics.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()[:3]
        )
        more = error.error_count() - 3
        raise RunDirError(
            f"{source}: does not match the metrics schema {SCHEMA_VERSION}: {problems}"
            + (f" (and {more} more)" if more > 0 else "")
        ) from None


def as_run_metrics(metrics: RunMetrics | Mapping[str, Any], source: str = "metrics") -> RunMetrics:
    """`metrics` itself, or the metrics mapping validated (a RunDirError naming `source` if it does not fit)."""
    return metrics if isinstance(metrics, RunMetrics) else parse_metrics(dict(metrics), source)


def read_metrics(path: Path) -> RunMetrics:
    """Read and validate metrics.json; a missing, unreadable or ill-shaped file is a RunDirError naming it."""
    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path}: no metrics file (the run did not finish)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunDirError(f"{path}: not a readable JSON metrics file ({error})") from None
    return parse_metrics(data, str(path))
