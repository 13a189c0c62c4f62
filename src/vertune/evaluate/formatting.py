"""How documents write numbers and names: scores, points, counts, shares, seconds, metric names."""

from __future__ import annotations

import math
from typing import Any

DASH = "—"


def real(value: Any) -> float | None:
    """`value` as a finite float, or None for anything else (bools, strings, NaN, missing)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_name(key: str) -> str:
    """Display name of a metric key: macro_f1 -> macro-F1, eval_accuracy -> accuracy."""
    return "-".join("F1" if part == "f1" else part for part in key.removeprefix("eval_").split("_"))


def score(value: Any) -> str:
    """A score with four decimals, or a dash."""
    number = real(value)
    return DASH if number is None else f"{number:.4f}"


def points(difference: float) -> str:
    """A difference of two scores in points (hundredths), signed."""
    hundredths = difference * 100
    return "±0.0" if abs(hundredths) < 0.05 else f"{hundredths:+.1f}"


def count(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number:,.0f}"


def share(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number * 100:.1f}%"


def seconds(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number:,.1f} s"


def text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
