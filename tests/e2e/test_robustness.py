"""`vertune evaluate RUN --robustness`: seeded perturbations of the run's test split, into its metrics.json
and report."""

import pytest

from helpers import vertune
from vertune.run import RunDir

pytestmark = pytest.mark.e2e


def test_robustness_probes_the_test_split_and_reports_them(trained_run, tmp_path):
    import shutil

    run_path = tmp_path / "run"
    shutil.copytree(trained_run, run_path, ignore=shutil.ignore_patterns("checkpoints"))
    before = RunDir(run_path).load_metrics()
    result = vertune("evaluate", str(run_path), "--robustness")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "typos_10" in result.stdout and "flips" in result.stdout
    metrics = RunDir(run_path).load_metrics()
    found = metrics["test"]["robustness"]
    assert found["clean"] == pytest.approx(before["test"]["macro_f1"])  # the same test rows as training's
    assert set(found["perturbations"]) >= {"typos_5", "typos_10", "casing", "no_punctuation", "full_width"}
    for probe in found["perturbations"].values():
        assert 0.0 <= probe["flip_rate"] <= 1.0 and 0.0 <= probe["changed"] <= 1.0
    assert found["perturbations"]["typos_10"]["changed"] > 0.5
    assert "simplified_traditional" in found["skipped"]
    assert metrics["comparisons"] == before["comparisons"]  # the rest of metrics.json is kept
    report = RunDir(run_path).report_md.read_text(encoding="utf-8")
    assert "## Robustness" in report and "typos (10% of characters)" in report
