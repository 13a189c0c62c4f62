"""Language-model pre-training in reports: the section of a run that pre-trained (held-out perplexity
before and after, cost), and the whole report of a `vertune pretrain` run."""

from __future__ import annotations

from pathlib import Path

from vertune.evaluate.blocks import Block, Bullets, Heading, Paragraph, Table
from vertune.evaluate.render import write_document
from vertune.evaluate.report_vocab import vocabulary
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import RunMetrics
from vertune.run import RunDir

OBJECTIVES = {"mlm": "masked language modelling", "clm": "causal language modelling"}


def _pretrained(metrics: RunMetrics) -> bool:
    return metrics.pretrain is not None


@register_section("pretrain", order=25, applies_to=_pretrained)
def pretrain_section(context: ReportContext) -> list[Block]:
    stats = context.metrics.pretrain
    if stats is None:
        return []
    before, after = stats.perplexity.get("before"), stats.perplexity.get("after")
    rows = [["held-out perplexity", _number(before), _number(after)]]
    facts = [
        f"objective: {OBJECTIVES.get(stats.objective, stats.objective)}",
        f"{stats.get('steps', '?')} steps in {stats.seconds or 0:.0f} s, "
        f"{stats.tokens_per_second or 0:,.0f} tokens/s ({stats.get('precision', '?')})",
    ]
    if stats.cached is not None:
        facts.append(
            "reused from the cache (same model, texts and options)" if stats.cached else "trained now"
        )
    if stats.get("new_weights"):
        facts.append(
            "weights the checkpoint lacked started random: " + ", ".join(stats.get("new_weights")[:4])
        )
    title = "Task-adaptive pre-training" if stats.cached is not None else "Pre-training"
    return [
        Heading(title),
        Paragraph("Perplexity of the model on held-out text, before and after (lower is better)."),
        Table(["", "before", "after"], rows, align="lrr"),
        Bullets(facts),
    ]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def write_pretrain_report(run: RunDir, metrics: RunMetrics) -> dict[str, Path]:
    """report.md / report.html of a `vertune pretrain` run."""
    context = ReportContext(run, metrics)
    model = metrics.recipe.model or "?"
    blocks: list[Block] = [
        Heading(f"Pre-training {model}: {run.path.name}", level=1),
        Paragraph(f"Use it: `model: {run.path}` in any recipe (lineage.json of that run links here)."),
        *(pretrain_section(context) or []),
        *(vocabulary(context) or []),
    ]
    return write_document(run.report_md, run.report_html, blocks, f"vertune pretrain: {run.path.name}")
