"""comparison.md / comparison.html: the method table, the rule and the recommendation, through the renderers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.train.compare_report import comparison_table, write_comparison


def result() -> dict[str, Any]:
    def row(method: str, mean: float, params: int | None) -> dict[str, Any]:
        return {
            "method": method,
            "metric_mean": mean,
            "metric_std": 0.01,
            "metric_interval": [mean - 0.05, mean + 0.05] if params else None,
            "seeds": 2,
            "trainable_params": params,
            "trainable_share": None if params is None else params / 1e6,
            "training_seconds": 12.5,
            "samples_per_second": 40.0,
            "peak_rss_mb": 900.0,
            "saved_mb": None,
        }

    return {
        "recipe": "recipe.yaml",
        "metric": "macro_f1",
        "split_seed": 13,
        "seeds": [7, 8],
        "summary": [row("lora", 0.8, 30_000), row("full", 0.85, 1_000_000)],
        "recommendation": {"method": "lora", "rule": "within 1 point of the best", "reason": "cheaper"},
        "baselines": {"tfidf_logreg": 0.7},
        "failures": [{"method": "ia3", "seed": 7, "error": "<out of memory>"}],
    }


def test_comparison_files(tmp_path: Path) -> None:
    files = write_comparison(tmp_path, result())

    assert set(files) == {"markdown", "html", "metric_vs_params", "metric_vs_time"}
    markdown = files["markdown"].read_text(encoding="utf-8")
    assert markdown.startswith("# Method comparison\n")
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[2].startswith(
        "| full | 0.8500 +- 0.0100 | 0.8000 – 0.9000 | 2 | 1,000,000 | 100.00% | 12.5 | 40.0 | 900 | n/a |"
    )
    assert rows[3].startswith("| lora | 0.8000 +- 0.0100 | 0.7500 – 0.8500 |")
    assert "95% interval (test rows)" in markdown and "Two kinds of noise" in markdown
    assert "**Recommendation: lora. Rule: within 1 point of the best. cheaper.**" in markdown
    assert "Baselines on the same split: tfidf_logreg 0.7000" in markdown
    assert "- ia3 seed 7: &lt;out of memory&gt;" in markdown
    assert "](plots/metric_vs_params.png)" in markdown
    page = files["html"].read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2 and "&lt;out of memory&gt;" in page


def test_comparison_table_is_the_markdown_table() -> None:
    table = comparison_table(result())
    assert table.splitlines()[0].startswith(
        "| method | macro_f1 (mean +- std) | 95% interval (test rows) | seeds |"
    )
    assert len(table.splitlines()) == 4
