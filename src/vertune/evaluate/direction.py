"""Which way a metric improves: shared by checkpoint selection, baseline tuning and the report's verdict."""

from __future__ import annotations

# Metrics where lower is better; every other metric is maximised.
LOWER_IS_BETTER = ("loss", "rmse", "mae", "mse", "perplexity")


def lower_is_better(metric: str) -> bool:
    return metric.removeprefix("eval_").endswith(LOWER_IS_BETTER)
