"""The run report: plots, report.md and a self-contained report.html, from metrics.json and log.jsonl."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from vertune.errors import RunDirError
from vertune.evaluate.report import metric_name, write_report
from vertune.metrics_schema import parse_metrics
from vertune.run import RunDir

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LABELS = ["negative", "neutral", "positive"]
#: The least a metrics.json holds: which task ran, and the metric it was judged on.
MINIMAL_RECIPE = {"task": "classification", "metric": "macro_f1"}


def split_scores(labels: list[str], macro_f1: float, accuracy: float = 0.9) -> dict[str, Any]:
    """One split's detailed scores, shaped like ClassificationTask.detailed()."""
    n = len(labels)
    matrix = [[10 if i == j else (i + j) % 3 for j in range(n)] for i in range(n)]
    return {
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        "macro_precision": macro_f1 + 0.01,
        "macro_recall": macro_f1 - 0.01,
        "weighted_f1": macro_f1 + 0.02,
        "weighted_precision": macro_f1 + 0.03,
        "weighted_recall": accuracy,
        "per_class": {
            label: {
                "precision": 0.8,
                "recall": 0.7 + i / (10 * n),
                "f1": 0.75 + i / (10 * n),
                "support": sum(row),
            }
            for i, (label, row) in enumerate(zip(labels, matrix, strict=True))
        },
        "confusion_matrix": {"labels": labels, "matrix": matrix},
        "examples": sum(map(sum, matrix)),
    }


def make_metrics(
    finetuned: float = 0.85, baseline: float = 0.80, labels: list[str] = LABELS
) -> dict[str, Any]:
    """A realistic metrics.json: the fine-tuned test macro-F1 and the best baseline's are given."""
    classes = {label: 100 + 10 * i for i, label in enumerate(labels)}
    return {
        "recipe": {"model": "minilm", "task": "classification", "method": "full", "metric": "macro_f1"},
        "test": split_scores(labels, finetuned),
        "validation": split_scores(labels, finetuned + 0.01),
        "baselines": {
            "tfidf_logreg": {
                "accuracy": 0.82,
                "macro_f1": baseline,
                "weighted_f1": baseline + 0.01,
                "seconds": 1.2,
                "description": "TF-IDF (1-2 grams) + logistic regression, C tuned on validation",
            },
            "linear_probe": {
                "accuracy": 0.70,
                "macro_f1": baseline - 0.1,
                "weighted_f1": baseline - 0.09,
                "seconds": 9.5,
                "description": "logistic regression on frozen mean-pooled embeddings",
            },
        },
        "train": {
            "seconds": 80.1,
            "training_seconds": 60.2,
            "samples_per_second": 31.0,
            "trainable_params": 22_700_000,
            "total_params": 22_713_000,
            "peak_rss_mb": 1800.0,
            "epochs_run": 3.0,
            "best_step": 51,
            "precision": "bf16",
            "device": "cpu",
        },
        "data": {
            "train": {"rows": 432, "classes": classes, "longer_than_max_length": 0.12, "median_tokens": 97},
            "validation": {
                "rows": 54,
                "classes": classes,
                "longer_than_max_length": 0.1,
                "median_tokens": 95,
            },
            "test": {"rows": 54, "classes": classes, "longer_than_max_length": 0.11, "median_tokens": 99},
            "warnings": ["reviews.csv:12: text repeats row 5; remove the duplicate or keep it on purpose"],
        },
    }


def make_log(steps: int = 51) -> list[dict[str, Any]]:
    """log.jsonl records: training loss every 5 steps, an evaluation per epoch, a final summary."""
    log: list[dict[str, Any]] = []
    for step in range(5, steps + 1, 5):
        log.append(
            {"step": step, "epoch": step / 17, "loss": 1.1 - step / 80, "learning_rate": 2e-5, "time": 0.1}
        )
        if step % 15 == 0:
            log.append(
                {"step": step, "epoch": step / 17, "eval_loss": 0.9 - step / 120, "eval_macro_f1": step / 60}
            )
    log.append({"train_runtime": 60.2, "train_samples_per_second": 31.0, "train_loss": 0.7})
    return log


def report(
    tmp_path: Path, metrics: dict[str, Any], log: list[dict[str, Any]]
) -> tuple[dict[str, Path], str, str]:
    paths = write_report(RunDir(tmp_path / "run"), parse_metrics(metrics), log)
    return paths, paths["markdown"].read_text(encoding="utf-8"), paths["html"].read_text(encoding="utf-8")


def test_writes_reports_and_valid_plots(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    paths, markdown, _ = report(tmp_path, make_metrics(), make_log())

    assert paths["markdown"] == run.report_md and paths["html"] == run.report_html
    assert set(paths) == {"markdown", "html", "loss_curve", "confusion_matrix", "per_class_f1"}
    for name in ("loss_curve", "confusion_matrix", "per_class_f1"):
        png = paths[name]
        assert png == run.plots_dir / f"{name}.png"
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
        assert f"](plots/{name}.png)" in markdown
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in run.plots_dir.iterdir()) == [
        "confusion_matrix.png",
        "loss_curve.png",
        "per_class_f1.png",
    ]
    assert not [p for p in run.path.iterdir() if p.name.startswith(".")]


def test_html_is_self_contained(tmp_path: Path) -> None:
    _, _, page = report(tmp_path, make_metrics(), make_log())

    assert page.startswith("<!doctype html>")
    assert page.count('src="data:image/png;base64,') == 3
    assert 'src="plots/' not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page
    assert "<style>" in page


def test_report_content(tmp_path: Path) -> None:
    _, markdown, page = report(tmp_path, make_metrics(), make_log())

    assert markdown.startswith("# vertune report: run\n")
    # Results, with the fine-tuned model's gain over each baseline in points.
    assert "| fine-tuned (minilm, full) | 0.9000 | 0.8500 | 0.8700 | — |" in markdown
    assert "| tfidf_logreg | 0.8200 | 0.8000 | 0.8100 | +5.0 |" in markdown
    assert "| linear_probe | 0.7000 | 0.7000 | 0.7100 | +15.0 |" in markdown
    assert "TF-IDF (1-2 grams) + logistic regression, C tuned on validation (1.2 s)" in markdown
    assert "Validation macro-F1: 0.8600" in markdown
    # Training, data, per class, usage.
    assert "22,700,000 of 22,713,000 (99.9%)" in markdown
    assert "bf16 on cpu" in markdown and "1,800 MB" in markdown and "31.0 samples/s" in markdown
    assert "| train | 432 | 3 | positive: 120, neutral: 110, negative: 100 | 12.0% | 97 |" in markdown
    assert "- reviews.csv:12: text repeats row 5" in markdown
    assert "| positive | 0.8000 |" in markdown
    assert (
        'pipeline("text-classification", model="' in markdown and '/run/model", truncation=True)' in markdown
    )
    assert "vertune predict " in markdown
    # The HTML carries the same content.
    assert "Fine-tuning beats the best baseline (tfidf_logreg) by +5.0 macro-F1 points" in page
    assert '<td class="l">22,700,000 of 22,713,000 (99.9%)</td>' in page


@pytest.mark.parametrize(
    ("finetuned", "baseline", "expected"),
    [
        (0.85, 0.80, "Fine-tuning beats the best baseline (tfidf_logreg) by +5.0 macro-F1 points"),
        (0.78, 0.80, "Fine-tuning does NOT beat the best baseline (tfidf_logreg): -2.0 macro-F1 points"),
        (0.80, 0.80, "Fine-tuning does NOT beat the best baseline (tfidf_logreg): ±0.0 macro-F1 points"),
    ],
)
def test_verdict_sign(tmp_path: Path, finetuned: float, baseline: float, expected: str) -> None:
    _, markdown, page = report(tmp_path, make_metrics(finetuned, baseline), make_log())

    assert f"**{expected}" in markdown
    assert expected in page
    if "NOT" in expected:
        assert "consider shipping tfidf_logreg" in markdown


def test_verdict_uses_the_recipe_metric_and_the_best_baseline(tmp_path: Path) -> None:
    metrics = make_metrics()
    metrics["recipe"]["metric"] = "accuracy"
    metrics["baselines"]["linear_probe"]["accuracy"] = 0.95  # best on accuracy, worst on macro-F1

    _, markdown, _ = report(tmp_path, metrics, make_log())

    assert "does NOT beat the best baseline (linear_probe): -5.0 accuracy points" in markdown
    assert "Fine-tuned gain (accuracy points)" in markdown


def test_text_is_escaped(tmp_path: Path) -> None:
    labels = ["<b>&x", "plain", "$cost$ | pipe"]
    metrics = make_metrics(labels=labels)
    metrics["data"]["warnings"] = ["bad.csv:3: <script>alert(1)</script>"]

    paths, markdown, page = report(tmp_path, metrics, make_log())

    assert "&lt;b&gt;&amp;x" in page and "<b>&x" not in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "<b>" not in markdown and "<script>" not in markdown
    assert "$cost$ \\| pipe" in markdown  # a pipe in a cell does not break the Markdown table
    assert paths["confusion_matrix"].read_bytes().startswith(PNG_SIGNATURE)  # "$" is not mathtext


@pytest.mark.parametrize(
    "strip",
    [
        lambda m: m.pop("baselines"),
        lambda m: [m[split].pop("per_class") for split in ("test", "validation")],
        lambda m: [m[split].pop("confusion_matrix") for split in ("test", "validation")],
        lambda m: m.pop("train"),
        lambda m: m.pop("data"),
        lambda m: m.update(recipe=MINIMAL_RECIPE),
        lambda m: m.pop("test"),
        lambda m: m["test"].update(confusion_matrix={"labels": ["a"], "matrix": [[1, 2], [3, 4]]}),
        lambda m: m.update(baselines=None, train={"trainable_params": None}, data={"warnings": []}),
        lambda m: m.update(baselines={}, train={}, data={}, test={}, validation={}),
        lambda m: [m.clear(), m.update(recipe=MINIMAL_RECIPE)],
    ],
)
def test_missing_optional_keys_still_make_a_report(tmp_path: Path, strip: Any) -> None:
    metrics = copy.deepcopy(make_metrics())
    strip(metrics)

    paths, markdown, page = report(tmp_path, metrics, [])

    assert markdown.startswith("# vertune report: run")
    assert "## Use the model" in markdown
    assert "</html>" in page
    assert "loss_curve" not in paths  # an empty log has no loss to plot
    for png in paths.values():
        assert png.is_file()


def test_metrics_that_break_the_schema_are_refused(tmp_path: Path) -> None:
    metrics = make_metrics()
    metrics["test"]["macro_f1"] = "high"

    with pytest.raises(
        RunDirError, match=r"run/metrics.json: does not match the metrics schema 1: test.macro_f1"
    ):
        write_report(RunDir(tmp_path / "run"), metrics, [])


def test_skipped_plots_and_verdicts(tmp_path: Path) -> None:
    metrics = make_metrics()
    del metrics["baselines"]
    for split in ("test", "validation"):
        del metrics[split]["per_class"]
    only_summary = [{"train_runtime": 1.0, "train_loss": 0.5}]

    paths, markdown, page = report(tmp_path, metrics, only_summary)

    assert set(paths) == {"markdown", "html", "confusion_matrix"}
    assert "no baseline was run" in markdown
    assert "plots/per_class_f1.png" not in markdown and "plots/loss_curve.png" not in markdown
    assert page.count("data:image/png;base64,") == 1

    paths, markdown, _ = report(tmp_path, {"recipe": MINIMAL_RECIPE}, [])
    assert set(paths) == {"markdown", "html"}
    assert "No test macro-F1 was recorded" in markdown
    assert "## Plots" not in markdown
    # Plots of an earlier report that no longer apply are removed.
    assert not (tmp_path / "run" / "plots" / "confusion_matrix.png").exists()


def test_loss_curve_without_evaluation(tmp_path: Path) -> None:
    log = [record for record in make_log() if "eval_loss" not in record]

    paths, _, _ = report(tmp_path, make_metrics(), log)

    assert paths["loss_curve"].read_bytes().startswith(PNG_SIGNATURE)


def test_many_classes(tmp_path: Path) -> None:
    labels = [f"category number {i} with a rather long name" for i in range(30)]

    paths, markdown, _ = report(tmp_path, make_metrics(labels=labels), make_log())

    assert {"confusion_matrix", "per_class_f1"} <= set(paths)
    assert "… 18 more" in markdown  # class counts are capped in the data table


def test_warnings_are_capped(tmp_path: Path) -> None:
    metrics = make_metrics()
    metrics["data"]["warnings"] = [f"data.csv:{row}: text repeats row 1" for row in range(2, 27)]

    _, markdown, _ = report(tmp_path, metrics, [])

    assert "25 data warnings:" in markdown
    assert "- data.csv:21: text repeats row 1" in markdown
    assert "data.csv:22:" not in markdown
    assert "- … and 5 more" in markdown


def test_metric_names() -> None:
    assert metric_name("macro_f1") == "macro-F1"
    assert metric_name("eval_weighted_f1") == "weighted-F1"
    assert metric_name("accuracy") == "accuracy"
