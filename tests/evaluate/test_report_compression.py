"""The compressed run's report (parent and child side by side), through the same renderers as the run report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.evaluate.report import write_report
from vertune.evaluate.report_compression import write_compression_report
from vertune.metrics_schema import parse_metrics
from vertune.run import RunDir


def measured(runtime: str, macro_f1: float, size_mb: float, p50_ms: float) -> dict[str, Any]:
    return {
        "runtime": runtime,
        "precision": "fp32",
        "test": {"accuracy": 0.9, "macro_f1": macro_f1},
        "size_mb": size_mb,
        "p50_ms": p50_ms,
        "p99_ms": p50_ms * 2,
        "throughput_bs32": 1000 / p50_ms,
    }


def compressed_metrics(warnings: list[str] | None = None) -> dict[str, Any]:
    return {
        "recipe": {
            "model": "minilm",
            "task": "classification",
            "method": "compress:quantize",
            "metric": "macro_f1",
            "output": "runs/x-int8-onnx",
            "parent": "runs/x",
        },
        "test": {"accuracy": 0.9, "macro_f1": 0.79},
        "compression": {
            "method": "quantize",
            "quantization": "dynamic int8",
            "parent": measured("torch", 0.8, 86.7, 10.0),
            "compressed": measured("onnx-int8", 0.79, 22.1, 4.0),
            "delta": {"macro_f1": -0.01, "size_ratio": 0.255, "p50_speedup": 2.5, "throughput_speedup": 2.5},
            **({"warnings": warnings} if warnings else {}),
        },
    }


def test_compressed_run_report(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "child").create()
    files = write_compression_report(run, parse_metrics(compressed_metrics()))

    markdown = files["markdown"].read_text(encoding="utf-8")
    assert markdown.startswith("# Compressed run: quantize\n")
    assert "Parent: `runs/x`. Measured side by side in one process on this machine." in markdown
    assert (
        "| model | runtime | macro_f1 | size MB | p50 ms (batch 1) | p99 ms | inputs/s (batch 32) |"
        in markdown
    )
    assert "| parent | torch | 0.8000 | 86.7 | 10.0 | 20.0 | 100.0 |" in markdown
    assert "| compressed | onnx-int8 | 0.7900 | 22.1 | 4.0 | 8.0 | 250.0 |" in markdown
    assert "Delta: macro_f1 -0.0100, size x0.255, throughput x2.5, p50 x2.5 faster." in markdown
    assert "Warning" not in markdown
    assert '<td class="l">compressed</td>' in files["html"].read_text(encoding="utf-8")


def test_a_collapse_warning_comes_first(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "child").create()
    collapsed = "the compressed model's test macro_f1 collapsed: 0.1000 against the parent's 0.8000"
    files = write_compression_report(run, compressed_metrics([collapsed]))  # a mapping is validated

    lines = files["markdown"].read_text(encoding="utf-8").splitlines()
    assert lines[2] == f"**Warning: {collapsed}.**"


def test_run_report_of_a_compressed_run_has_the_section(tmp_path: Path) -> None:
    paths = write_report(RunDir(tmp_path / "child"), compressed_metrics(), [])
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "## Compression: quantize" in markdown and "| parent | torch | 0.8000 |" in markdown
