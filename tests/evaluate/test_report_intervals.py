"""The uncertainty section and the verdict line that follows the comparison's verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vertune.evaluate.report import write_report
from vertune.metrics_schema import parse_metrics
from vertune.run import RunDir


def make_metrics(finetuned: float = 0.85, baseline: float = 0.80) -> dict[str, Any]:
    return {
        "recipe": {"model": "minilm", "task": "classification", "method": "full", "metric": "macro_f1"},
        "test": {"accuracy": 0.9, "macro_f1": finetuned, "examples": 379},
        "baselines": {"tfidf_logreg": {"accuracy": 0.82, "macro_f1": baseline}},
    }


def report(tmp_path: Path, metrics: dict[str, Any]) -> tuple[str, str]:
    paths = write_report(RunDir(tmp_path / "run"), parse_metrics(metrics), [])
    return paths["markdown"].read_text(encoding="utf-8"), paths["html"].read_text(encoding="utf-8")


def with_uncertainty(verdict: str, interval: list[float]) -> dict[str, Any]:
    metrics = make_metrics(0.85, 0.80)
    metrics["test"]["intervals"] = {"macro_f1": [0.81, 0.89], "accuracy": [0.86, 0.93]}
    comparison = {"metric": "macro_f1", "difference": 0.05, "interval": interval, "p_value": 0.21}
    metrics["comparisons"] = {"tfidf_logreg": {**comparison, "verdict": verdict, "test": "paired bootstrap"}}
    return metrics


@pytest.mark.parametrize(
    ("verdict", "interval", "expected"),
    [
        (
            "beats",
            [0.01, 0.09],
            "Fine-tuning beats the best baseline (tfidf_logreg) on test macro-F1: +5.0 [+1.0, +9.0] points, p = 0.21",
        ),
        (
            "ties (difference within noise)",
            [-0.02, 0.11],
            "Fine-tuning ties the best baseline (tfidf_logreg) on test macro-F1, the difference is within noise: +5.0 [-2.0, +11.0] points",
        ),
        ("loses", [-0.09, -0.01], "Fine-tuning loses to the best baseline (tfidf_logreg)"),
    ],
)
def test_the_verdict_line_follows_the_comparison(
    tmp_path: Path, verdict: str, interval: list[float], expected: str
) -> None:
    markdown, page = report(tmp_path, with_uncertainty(verdict, interval))
    assert f"**{expected}" in markdown
    assert "How sure are these numbers" in markdown and "0.8100 – 0.8900" in markdown
    assert "| tfidf_logreg | macro-F1 |" in markdown
    assert expected[:40] in page


def test_no_section_without_intervals(tmp_path: Path) -> None:
    markdown, _ = report(tmp_path, make_metrics())
    assert "How sure" not in markdown
    assert "Fine-tuning beats the best baseline (tfidf_logreg) by +5.0 macro-F1 points" in markdown
