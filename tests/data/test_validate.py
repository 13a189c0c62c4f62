from pathlib import Path

from vertune.data.readers import Table
from vertune.data.validate import ROWS_SHOWN_PER_PROBLEM, validate_classification


def table(name: str, texts: list, labels: list, columns: tuple[str, str] = ("text", "label")) -> Table:
    return Table(
        Path(name),
        list(columns),
        {columns[0]: list(texts), columns[1]: list(labels)},
        list(range(2, len(texts) + 2)),
    )


def messages(report, severity: str) -> list[str]:
    return [str(p) for p in report.problems if p.severity == severity]


GOOD = table("train.csv", ["a", "b", "c", "d"], ["x", "x", "y", "y"])


def test_clean_data_has_no_problems():
    report = validate_classification({"train": GOOD}, "text", "label")
    assert report.problems == []
    assert report.stats["train"] == {"rows": 4, "classes": {"x": 2, "y": 2}}


def test_missing_column_names_the_columns_found_and_suggests_one():
    wrong = table("train.csv", ["a"], ["x"], columns=("review", "label"))
    report = validate_classification({"train": wrong}, "reveiw_text", "label")
    (error,) = messages(report, "error")
    assert "column 'reveiw_text' not found (columns: review, label)" in error
    assert "set data.text_column" in error


def test_empty_text_and_label_are_errors_with_line_numbers():
    data = table("train.csv", ["a", "  ", "c", "d", float("nan")], ["x", "x", "", "y", "y"])
    errors = messages(validate_classification({"train": data}, "text", "label"), "error")
    assert "train.csv:3: empty text in column 'text'; fill in the text or delete the row" in errors
    assert "train.csv:6: empty text in column 'text'; fill in the text or delete the row" in errors
    assert any(e.startswith("train.csv:4: empty label") for e in errors)


def test_a_class_with_one_row_is_an_error():
    data = table("train.csv", ["a", "b", "c"], ["x", "x", "lonely"])
    (error,) = messages(validate_classification({"train": data}, "text", "label"), "error")
    assert error.startswith("train.csv:4: class 'lonely' has only 1 row")


def test_labels_unseen_in_train_are_errors_and_shared_texts_are_leakage():
    test = table("test.csv", ["a", "new text"], ["x", "z"])
    report = validate_classification({"train": GOOD, "test": test}, "text", "label")
    assert messages(report, "error") == [
        "test.csv:3: label 'z' does not occur in the training data; add training examples of it or remove "
        "these rows (a model cannot predict a class it never saw)"
    ]
    (leak,) = messages(report, "warning")
    assert leak.startswith("test.csv:2: text also in the training data (train.csv line 2): leakage")


def test_duplicates_are_warnings_that_mention_conflicting_labels():
    data = table("train.csv", ["a", "b", "a", "b "], ["x", "y", "y", "y"])
    warnings = messages(validate_classification({"train": data}, "text", "label"), "warning")
    assert any("train.csv:4: text repeats line 2 with different labels" in w for w in warnings)
    assert any(w.startswith("train.csv:5: text repeats line 3;") for w in warnings)


def test_many_rows_with_one_problem_are_summed_up():
    n = ROWS_SHOWN_PER_PROBLEM + 7
    data = table("train.csv", [""] * n + ["a", "b"], ["x"] * (n + 2))
    errors = messages(validate_classification({"train": data}, "text", "label"), "error")
    assert len(errors) == ROWS_SHOWN_PER_PROBLEM + 1
    assert errors[-1].startswith("train.csv: ... and 7 more rows with an empty text")


def test_share_of_long_texts_is_measured_and_warned():
    report = validate_classification(
        {"train": GOOD}, "text", "label", count_tokens=lambda texts: [10, 200, 300, 5], max_length=128
    )
    (warning,) = messages(report, "warning")
    assert "2 of 4 texts (50%) are longer than max_length=128 tokens" in warning
    assert report.stats["train"]["longer_than_max_length"] == 0.5
