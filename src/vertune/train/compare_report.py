"""The comparison's files: comparison.md and a self-contained comparison.html (table, rule,
recommendation, plots), written through the report's blocks and renderers, and two plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block, Bullets, Heading, Image, Paragraph, Table
from vertune.evaluate.render import to_markdown, write_document

CAPTIONS = {
    "metric_vs_params": "Test metric against trainable parameters (mean and std over seeds)",
    "metric_vs_time": "Test metric against training seconds (mean and std over seeds)",
}


def _fmt(value: Any, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def _interval(bounds: Any) -> str:
    return "n/a" if not bounds else f"{bounds[0]:.4f} – {bounds[1]:.4f}"


def comparison_rows(result: dict[str, Any]) -> Table:
    """One row per method, best mean metric first."""
    metric = result["metric"]
    header = [
        "method",
        f"{metric} (mean +- std)",
        "95% interval (test rows)",
        "seeds",
        "trainable params",
        "share",
        "train s",
        "samples/s",
        "peak RSS MB",
        "saved MB",
    ]
    rows = [
        [
            s["method"],
            f"{s['metric_mean']:.4f} +- {s['metric_std']:.4f}",
            _interval(s.get("metric_interval")),
            str(s["seeds"]),
            _fmt(s["trainable_params"], ","),
            _fmt(s["trainable_share"], ".2%"),
            _fmt(s["training_seconds"], ".1f"),
            _fmt(s["samples_per_second"], ".1f"),
            _fmt(s["peak_rss_mb"], ".0f"),
            _fmt(s["saved_mb"], ".1f"),
        ]
        for s in sorted(result["summary"], key=lambda s: -s["metric_mean"])
    ]
    return Table(header, rows)


def comparison_table(result: dict[str, Any]) -> str:
    """The table as Markdown (what `vertune compare` prints)."""
    return to_markdown([comparison_rows(result)]).rstrip("\n")


def plot_tradeoffs(directory: Path, result: dict[str, Any]) -> dict[str, Path]:
    from vertune.evaluate.plots import plt, save_figure

    written = {}
    summary = [s for s in result["summary"] if s["trainable_params"]]
    for key, axis, log in (
        ("trainable_params", "trainable parameters", True),
        ("training_seconds", "training seconds", False),
    ):
        points = [s for s in summary if s.get(key)]
        if not points:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for s in points:
            ax.errorbar(s[key], s["metric_mean"], yerr=s["metric_std"], fmt="o", capsize=3)
            ax.annotate(s["method"], (s[key], s["metric_mean"]), textcoords="offset points", xytext=(5, 5))
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(axis)
        ax.set_ylabel(f"test {result['metric']} (mean +- std over seeds)")
        ax.grid(alpha=0.3)
        name = "metric_vs_params" if key == "trainable_params" else "metric_vs_time"
        written[name] = save_figure(fig, directory / "plots" / f"{name}.png")
    return written


def comparison_blocks(result: dict[str, Any], plots: dict[str, Path]) -> list[Block]:
    rec = result["recommendation"]
    blocks: list[Block] = [
        Heading("Method comparison", 1),
        Paragraph(
            f"Recipe `{result['recipe']}`; the same split (seed {result['split_seed']}) for every run; "
            f"training seeds {', '.join(map(str, result['seeds']))}. Metric: test `{result['metric']}`."
        ),
        comparison_rows(result),
        Paragraph(
            "Two kinds of noise side by side: the std over training seeds (same split, another seed) and the "
            "95% bootstrap interval over the test rows (mean over the seeds; the test set's size). Methods "
            "whose difference is inside either are not told apart by this comparison."
        ),
        Paragraph(
            f"Recommendation: {rec['method'] or 'none'}. Rule: {rec['rule']}. {rec.get('reason', '')}.",
            highlight=True,
        ),
    ]
    scores = ", ".join(f"{k} {v:.4f}" for k, v in (result["baselines"] or {}).items() if v is not None)
    if scores:
        blocks.append(Paragraph(f"Baselines on the same split: {scores}"))
    if result["failures"]:
        blocks.append(Paragraph("Failed runs:"))
        blocks.append(Bullets([f"{f['method']} seed {f['seed']}: {f['error']}" for f in result["failures"]]))
    blocks += [Image(path, f"plots/{path.name}", CAPTIONS.get(name, name)) for name, path in plots.items()]
    return blocks


def write_comparison(directory: Path, result: dict[str, Any]) -> dict[str, Path]:
    """comparison.md, comparison.html and the plots; {"markdown", "html", plot name: png}."""
    plots = plot_tradeoffs(directory, result)
    files = write_document(
        directory / "comparison.md",
        directory / "comparison.html",
        comparison_blocks(result, plots),
        "vertune method comparison",
    )
    return {**files, **plots}
