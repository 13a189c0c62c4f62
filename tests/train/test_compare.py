import pytest

from vertune.errors import RecipeError
from vertune.train.compare import parse_methods, recommend, summarise

ROWS = [
    {
        "method": "full",
        "metric": m,
        "interval": [m - 0.1, m + 0.1],
        "trainable_params": 100,
        "total_params": 100,
        "training_seconds": 10.0,
    }
    for m in (0.80, 0.84)
] + [
    {"method": "lora", "metric": m, "trainable_params": 1, "total_params": 100, "training_seconds": 5.0}
    for m in (0.79, 0.81)
]


def test_parse_methods_with_l2sp():
    variants = parse_methods(["full", "lora+l2sp"], recipe_l2sp=0.0)
    assert [(v.name, v.l2sp) for v in variants] == [("full", 0.0), ("lora", 0.01)]
    with pytest.raises(RecipeError, match="unknown method"):
        parse_methods(["full+ewc"], 0.0)


def test_summary_and_the_smaller_method_within_noise_wins():
    summary = summarise(ROWS, parse_methods(["full", "lora"], 0.0))
    full, lora = summary
    assert full["metric_mean"] == pytest.approx(0.82) and full["metric_std"] == pytest.approx(
        0.0283, abs=1e-3
    )
    assert full["metric_interval"] == pytest.approx([0.72, 0.92])  # the seeds' mean test-row interval
    assert lora["trainable_share"] == pytest.approx(0.01) and lora["metric_interval"] is None
    picked = recommend(summary, None)
    assert picked["method"] == "lora" and "within one standard deviation" in picked["reason"]
    assert recommend(summary, 6.0)["method"] == "lora"
    assert recommend(summary, 1.0)["method"] is None
