"""What each api verb returns: one typed result per verb (imports no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertune.run import RunDir


@dataclass
class TrainResult:
    """A trained run: its directory, metrics.json's content and the report files ({} on a non-zero rank
    of a distributed run, which writes nothing)."""

    run: RunDir
    metrics: dict[str, Any]
    report: dict[str, Path] = field(default_factory=dict)


@dataclass
class EvaluateResult:
    """A run scored on a labelled file: the evaluation's directory (RUN/evaluations/<file>) and metrics."""

    run: RunDir
    metrics: dict[str, Any]
    report: dict[str, Path] = field(default_factory=dict)


@dataclass
class CompressResult:
    """The compressed run and its metrics (with the `compression` section, parent and child side by side)."""

    run: RunDir
    metrics: dict[str, Any]


@dataclass
class ExportResult:
    """The exported run and the verification written to onnx/export.json."""

    run: RunDir
    verification: dict[str, Any]


@dataclass
class PredictFileResult:
    rows: int
    output: Path


@dataclass
class ChatResult:
    """`vertune chat`: how many answers the run gave."""

    answers: int


@dataclass
class CompareResult:
    """The comparison directory's summary (compare.json): rows, recommendation, files."""

    summary: dict[str, Any]


@dataclass
class TuneResult:
    """The search's summary (tune.json): trials, best trial, best recipe."""

    summary: dict[str, Any]


@dataclass
class PretrainResult:
    """A pre-training run (`vertune pretrain`): its directory (model/ is a `model:` for later recipes),
    metrics.json's content (held-out perplexity before and after) and the report files."""

    run: RunDir
    metrics: dict[str, Any]
    report: dict[str, Path] = field(default_factory=dict)
