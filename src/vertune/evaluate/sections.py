"""The registry of report sections and plots: each part of vertune registers what it adds to a run report.

A section is a function from the run (its directory, its validated metrics, the plots drawn) to blocks,
or nothing when the run lacks its data; a plot is a function that draws one PNG from the metrics and the
training log, or returns None. Both carry an `order` (the report reads in increasing order) and may say
which runs they apply to (`applies_to`, e.g. `for_tasks("ner")`). Register at import time:

    @register_section("entity_errors", order=70, applies_to=for_tasks("ner"))
    def entity_errors(context: ReportContext) -> list[Block]: ...

The report (report.py) imports the built-in section modules; a new task or stage registers from its own
module, which must be imported before the report is written. This module imports no section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block
from vertune.metrics_schema import RunMetrics
from vertune.run import RunDir


@dataclass(frozen=True)
class ReportContext:
    """What a section reads: the run directory, its metrics, and the plots drawn for it ({name: png})."""

    run: RunDir
    metrics: RunMetrics
    plots: Mapping[str, Path] = field(default_factory=dict)


SectionBuilder = Callable[[ReportContext], Sequence[Block] | None]
PlotDrawer = Callable[[RunMetrics, Sequence[Mapping[str, Any]], Path], Path | None]
AppliesTo = Callable[[RunMetrics], bool]


def _always(_: RunMetrics) -> bool:
    return True


def for_tasks(*tasks: str) -> AppliesTo:
    """`applies_to` for the runs of these tasks (recipe.task)."""

    def applies(metrics: RunMetrics) -> bool:
        return metrics.recipe.task in tasks

    return applies


@dataclass(frozen=True)
class Section:
    name: str
    build: SectionBuilder
    order: int
    applies_to: AppliesTo = _always


@dataclass(frozen=True)
class Plot:
    name: str  # also the file name: plots/<name>.png
    draw: PlotDrawer
    caption: str
    order: int
    applies_to: AppliesTo = _always


_SECTIONS: dict[str, Section] = {}
_PLOTS: dict[str, Plot] = {}
_METRIC_TITLES: dict[tuple[str, str], str] = {}


def register_section(
    name: str, *, order: int, applies_to: AppliesTo | None = None
) -> Callable[[SectionBuilder], SectionBuilder]:
    """Decorator: add `build` to every report it applies to, at `order`. A name registered again replaces
    the earlier section."""

    def register(build: SectionBuilder) -> SectionBuilder:
        _SECTIONS[name] = Section(name, build, order, applies_to or _always)
        return build

    return register


def register_plot(
    name: str, *, caption: str, order: int, applies_to: AppliesTo | None = None
) -> Callable[[PlotDrawer], PlotDrawer]:
    """Decorator: `draw(metrics, log, path)` writes plots/<name>.png (or returns None to skip it)."""

    def register(draw: PlotDrawer) -> PlotDrawer:
        _PLOTS[name] = Plot(name, draw, caption, order, applies_to or _always)
        return draw

    return register


def register_metric_title(task: str, metric: str, title: str) -> None:
    """The column title of `metric` in the results table of a `task` run (e.g. ner f1 -> "Entity F1")."""
    _METRIC_TITLES[(task, metric)] = title


def metric_title(task: str, metric: str) -> str | None:
    return _METRIC_TITLES.get((task, metric))


def sections_for(metrics: RunMetrics) -> list[Section]:
    """The sections that apply to a run, in reading order."""
    return sorted((s for s in _SECTIONS.values() if s.applies_to(metrics)), key=lambda s: (s.order, s.name))


def registered_plots() -> list[Plot]:
    """Every registered plot, in order (applying or not: a report removes the files of those it skips)."""
    return sorted(_PLOTS.values(), key=lambda p: (p.order, p.name))
