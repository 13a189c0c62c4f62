"""Bad input never shows a traceback: exit code 2 and one line per problem, naming file, row and fix."""

import pytest

from helpers import TEST_CSV, TRAIN_CSV, fails_cleanly, vertune, write_recipe

pytestmark = pytest.mark.e2e


def csv_file(path, rows):
    path.write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows), encoding="utf-8")
    return path


def test_missing_column(tmp_path):
    recipe = write_recipe(tmp_path, data={"train": str(TRAIN_CSV), "text_column": "review"})
    fails_cleanly(vertune("train", str(recipe)), "column 'review' not found (columns: text, label)")


def test_empty_text_unseen_label_and_tiny_class(tmp_path):
    train = csv_file(
        tmp_path / "train.csv",
        [
            ("good", "pos"),
            ("bad", "neg"),
            ("fine", "pos"),
            ("awful", "neg"),
            ('""', "neg"),
            ("meh", "neutral"),
        ],
    )
    test = csv_file(tmp_path / "test.csv", [("great", "pos"), ("terrible", "sarcastic")])
    recipe = write_recipe(tmp_path, data={"train": str(train), "test": str(test)})
    stderr = fails_cleanly(
        vertune("train", str(recipe)),
        f"{train}:6: empty text in column 'text'",
        f"{train}:7: class 'neutral' has only 1 row",
        f"{test}:3: label 'sarcastic' does not occur in the training data",
    )
    assert len([line for line in stderr.splitlines() if line.startswith("error:")]) == 3


def test_non_utf8_file(tmp_path):
    train = tmp_path / "train.csv"
    train.write_bytes("text,label\nna\xefve,pos\n".encode("latin-1"))
    recipe = write_recipe(tmp_path, data={"train": str(train)})
    fails_cleanly(vertune("train", str(recipe)), f"{train}:2: not UTF-8")


def test_unknown_recipe_key_and_bad_override(tmp_path):
    recipe = write_recipe(tmp_path)
    fails_cleanly(
        vertune("train", str(recipe), "--set", "training.lerning_rate=1e-3"), "did you mean 'learning_rate'?"
    )


def test_unknown_model(tmp_path):
    recipe = write_recipe(tmp_path, model="./no/such/model")
    fails_cleanly(vertune("train", str(recipe)), "no such model directory")


def test_existing_run_is_not_overwritten_silently(trained_run, tmp_path):
    recipe = write_recipe(tmp_path, output=str(trained_run))
    fails_cleanly(vertune("train", str(recipe)), "already holds a run")
    fails_cleanly(vertune("train", str(write_recipe(tmp_path)), "--resume"), "no checkpoint to resume from")


def test_predict_and_evaluate_bad_input(trained_run, tmp_path):
    fails_cleanly(vertune("predict", str(tmp_path / "nope"), "text"), "no such run directory")
    fails_cleanly(vertune("predict", str(trained_run), "  "), "text 1 is empty")
    odd = csv_file(tmp_path / "odd.csv", [("great", "pos")])
    fails_cleanly(
        vertune("evaluate", str(trained_run), "--data", str(odd)),
        "label 'pos' does not occur in the training data",
    )
    fails_cleanly(
        vertune("predict", str(trained_run), "--file", str(TEST_CSV), "--output", str(tmp_path / "x.xlsx")),
        "unsupported output type",
    )


def test_unknown_metric_for_best_fails_before_training(tmp_path):
    recipe = write_recipe(tmp_path)
    fails_cleanly(
        vertune("train", str(recipe), "--set", "training.metric_for_best=macro-f1"),
        "training.metric_for_best: unknown metric 'macro-f1'; did you mean 'macro_f1'?",
    )
    assert not (tmp_path / "run").exists()  # nothing was started
