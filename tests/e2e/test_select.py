import pytest

from helpers import TEST_CSV, fails_cleanly, vertune

pytestmark = pytest.mark.e2e


def test_select_writes_rows_to_label(trained_run, tmp_path):
    output = tmp_path / "to_label.csv"
    result = vertune(
        "select", str(trained_run), "--pool", str(TEST_CSV), "--k", "4", "--strategy", "margin",
        "--output", str(output), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote 4 rows to label (margin) to {output}" in result.stdout
    assert output.read_text(encoding="utf-8").startswith("select_rank,text,label,select_score,predicted")
    no_text = tmp_path / "pool.csv"
    no_text.write_text("body\nsome review\n", encoding="utf-8")
    fails_cleanly(
        vertune("select", str(trained_run), "--pool", str(no_text), "--k", "2", "--output", str(output)),
        "column 'text' not found",
    )
