"""The section registry: a task or stage adds report sections and plots by registering them, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from vertune.evaluate import sections
from vertune.evaluate.blocks import Block, Heading, Paragraph
from vertune.evaluate.plots import plt, save_figure
from vertune.evaluate.report import write_report
from vertune.evaluate.sections import ReportContext, for_tasks, register_plot, register_section
from vertune.metrics_schema import RunMetrics, parse_metrics
from vertune.run import RunDir


@pytest.fixture(autouse=True)
def _restore_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sections, "_SECTIONS", dict(sections._SECTIONS))
    monkeypatch.setattr(sections, "_PLOTS", dict(sections._PLOTS))


def metrics(task: str) -> RunMetrics:
    return parse_metrics({"recipe": {"task": task, "metric": "accuracy"}, "test": {"accuracy": 0.5}})


def test_a_toy_task_registers_a_section_and_a_plot(tmp_path: Path) -> None:
    @register_section("toy", order=55, applies_to=for_tasks("toy"))
    def toy(context: ReportContext) -> list[Block]:
        accuracy = context.metrics.test.value("accuracy") if context.metrics.test else None
        return [Heading("Toy section"), Paragraph(f"accuracy {accuracy} in {context.run.path.name}")]

    @register_plot("toy_plot", caption="A toy plot", order=50, applies_to=for_tasks("toy"))
    def toy_plot(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
        fig, _ = plt.subplots()
        return save_figure(fig, path)

    paths = write_report(RunDir(tmp_path / "run"), metrics("toy"), [])
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "## Toy section\n\naccuracy 0.5 in run" in markdown
    # In order: after the results (10), before the plots (90) and the usage (100).
    assert markdown.index("## Results") < markdown.index("## Toy section") < markdown.index("## Plots")
    assert "![A toy plot](plots/toy_plot.png)" in markdown and paths["toy_plot"].is_file()

    paths = write_report(RunDir(tmp_path / "run"), metrics("classification"), [])
    assert "Toy section" not in paths["markdown"].read_text(encoding="utf-8")
    assert not (tmp_path / "run" / "plots" / "toy_plot.png").exists()  # the stale plot is removed


def test_sections_come_in_order_and_only_where_they_apply() -> None:
    names = [s.name for s in sections.sections_for(metrics("ner"))]
    assert names[0] == "summary" and names[-2:] == ["plots", "usage"]
    assert "entity_errors" in names and "label_decisions" not in names and "regression" not in names
    assert "label_decisions" in [s.name for s in sections.sections_for(metrics("multilabel"))]
