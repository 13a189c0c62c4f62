"""The comparison's files: comparison.md (table, rule, recommendation) and two plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.run import write_text_atomic


def _fmt(value: Any, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def comparison_table(result: dict[str, Any]) -> str:
    metric = result["metric"]
    lines = [
        f"| method | {metric} (mean +- std) | seeds | trainable params | share | train s | samples/s "
        "| peak RSS MB | saved MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sorted(result["summary"], key=lambda s: -s["metric_mean"]):
        lines.append(
            f"| {s['method']} | {s['metric_mean']:.4f} +- {s['metric_std']:.4f} | {s['seeds']} "
            f"| {_fmt(s['trainable_params'], ',')} | {_fmt(s['trainable_share'], '.2%')} "
            f"| {_fmt(s['training_seconds'], '.1f')} | {_fmt(s['samples_per_second'], '.1f')} "
            f"| {_fmt(s['peak_rss_mb'], '.0f')} | {_fmt(s['saved_mb'], '.1f')} |"
        )
    return "\n".join(lines)


def plot_tradeoffs(directory: Path, result: dict[str, Any]) -> dict[str, Path]:
    from vertune.evaluate.plots import _save, plt

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
        written[name] = _save(fig, directory / "plots" / f"{name}.png")
    return written


def write_comparison(directory: Path, result: dict[str, Any]) -> dict[str, Path]:
    plots = plot_tradeoffs(directory, result)
    rec = result["recommendation"]
    parts = [
        "# Method comparison",
        "",
        f"Recipe `{result['recipe']}`; the same split (seed {result['split_seed']}) for every run; training "
        f"seeds {', '.join(map(str, result['seeds']))}. Metric: test `{result['metric']}`.",
        "",
        comparison_table(result),
        "",
        f"**Recommendation: {rec['method'] or 'none'}.** Rule: {rec['rule']}. {rec.get('reason', '')}.",
    ]
    if result["baselines"]:
        parts += ["", "Baselines on the same split: "]
        parts[-1] += ", ".join(f"{k} {v:.4f}" for k, v in result["baselines"].items() if v is not None)
    if result["failures"]:
        parts += [
            "",
            "Failed runs:",
            *(f"- {f['method']} seed {f['seed']}: {f['error']}" for f in result["failures"]),
        ]
    parts += ["", *(f"![{name}](plots/{path.name})" for name, path in plots.items())]
    write_text_atomic(directory / "comparison.md", "\n".join(parts) + "\n")
    return {"markdown": directory / "comparison.md", **plots}
