"""A continued run's report: the Retention section (table, forgetting, matrix) and its plot."""

from __future__ import annotations

from vertune.evaluate.report import write_report
from vertune.run import RunDir


def continued_metrics() -> dict:
    old, new = "/data/old_test.csv", "/data/new.csv (test split)"
    return {
        "recipe": {"model": "minilm", "task": "classification", "metric": "macro_f1", "parent": "runs/a"},
        "test": {"accuracy": 0.9, "macro_f1": 0.88, "examples": 10},
        "retention": {
            old: {"parent": 0.9, "child": 0.85, "delta": -0.05},
            new: {"parent": None, "child": 0.88, "delta": None},
        },
        "continual": {
            "strategy": "replay+l2sp",
            "metric": "macro_f1",
            "new_test_set": new,
            "test_sets": [old, new],
            "forgetting": 0.05,
            "backward_transfer": -0.05,
            "validation": {
                "metric": "macro_f1",
                "new": 0.9,
                "earlier": 0.75,
                "rows": {"new": 8, "earlier": 3},
            },
            "matrix": [
                {"model": "/runs/a", "test_set": old, "scores": {old: 0.9, new: None}},
                {"model": "/runs/b", "test_set": new, "scores": {old: 0.85, new: 0.88}},
            ],
        },
    }


def test_retention_section_and_plot(tmp_path):
    run = RunDir(tmp_path / "b").create()
    files = write_report(run, continued_metrics(), [])
    markdown = files["markdown"].read_text()
    assert "## Retention" in markdown and "Strategy replay+l2sp" in markdown
    assert "| old_test.csv | 0.9000 | 0.8500 | -5.0 |" in markdown
    assert "| new.csv (split) (new) | — | 0.8800 | — |" in markdown
    assert "Forgetting (largest drop on an earlier test set): 5.00 points" in markdown
    assert "| b | 0.8500 | 0.8800 |" in markdown
    assert "0.9000 on the new rows, 0.7500 on the replayed earlier rows (3 rows)" in markdown
    assert (run.plots_dir / "retention.png").is_file()


def test_a_plain_run_has_no_retention_section(tmp_path):
    metrics = continued_metrics()
    del metrics["retention"], metrics["continual"]
    run = RunDir(tmp_path / "a").create()
    assert "Retention" not in write_report(run, metrics, [])["markdown"].read_text()
    assert not (run.plots_dir / "retention.png").exists()
