import pytest

from helpers import TEST_CSV, TRAIN_CSV, vertune

pytestmark = pytest.mark.e2e


def test_clean_files_pass_with_statistics():
    result = vertune("data", "check", str(TRAIN_CSV), "--test", str(TEST_CSV), "--max-length", "64")
    assert result.returncode == 0, result.stderr
    assert "train: 90 rows, 3 classes, median" in result.stdout
    assert "ok: no errors" in result.stdout
    assert "longer than max_length=64 tokens" in result.stderr  # reviews are long: a warning, not an error


def test_problems_exit_2_with_one_line_each(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("text,label\ngood,pos\ngood,pos\nbad,neg\nworse,neg\n,neg\n", encoding="utf-8")
    test = tmp_path / "test.csv"
    test.write_text("text,label\nbad,neg\nokay,neutral\n", encoding="utf-8")
    result = vertune("data", "check", str(train), "--test", str(test))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"error: {train}:6: empty text" in result.stderr
    assert f"error: {test}:3: label 'neutral' does not occur in the training data" in result.stderr
    assert f"warning: {train}:3: text repeats line 2" in result.stderr
    assert f"warning: {test}:2: text also in the training data" in result.stderr


def test_wrong_column_name_is_suggested():
    result = vertune("data", "check", str(TRAIN_CSV), "--text-column", "txt")
    assert result.returncode == 2
    assert "column 'txt' not found (columns: text, label); did you mean 'text'?" in result.stderr
