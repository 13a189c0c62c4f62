"""A run trained with data.redact writes no raw personal data anywhere: run directory (training, evaluate),
predictions, rows to label, audit CSVs, and everything printed on stdout / stderr."""

import random

import pandas as pd
import pytest

from fake_pii import email, international_phone
from helpers import TEST_CSV, TINY_TRAINING, TRAIN_CSV, vertune, write_recipe

pytestmark = pytest.mark.e2e


def with_contacts(source, target, rng, values):
    """The fixture rows, each with a fresh email and phone (the email twice) appended to its text."""
    frame = pd.read_csv(source, keep_default_na=False)
    texts = []
    for text in frame["text"]:
        mail, phone = email(rng), international_phone(rng)
        values += [mail, phone]
        texts.append(f"{text} Write to {mail} or call {phone}; again: {mail}.")
    frame["text"] = texts
    frame["contact"] = [f"reply to {v}" for v in values[-2 * len(frame) :: 2]]
    frame.to_csv(target, index=False)


def test_nothing_vertune_writes_holds_the_raw_values(tmp_path):
    rng = random.Random(13)
    values: list[str] = []
    train, test, pool = tmp_path / "train.csv", tmp_path / "test.csv", tmp_path / "pool.csv"
    with_contacts(TRAIN_CSV, train, rng, values)
    with_contacts(TEST_CSV, test, rng, values)
    with_contacts(TEST_CSV, pool, rng, values)
    inputs = {train, test, pool}
    out = tmp_path / "out"
    recipe = write_recipe(
        tmp_path,
        data={"train": str(train), "test": str(test), "redact": ["email", "phone"]},
        training=TINY_TRAINING,
        evaluation={"baselines": ["tfidf_logreg"]},
        output=str(out / "run"),
    )
    run = str(out / "run")
    mail, phone = email(rng), international_phone(rng)
    values += [mail, phone]
    calls = [
        vertune("train", str(recipe)),
        vertune("predict", run, f"ok, mail {mail}", f"call {phone} please"),
        vertune("predict", run, "--file", str(pool), "--output", str(out / "predictions.csv")),
        vertune("evaluate", run, "--data", str(test)),
        vertune("select", run, "--pool", str(pool), "--k", "3", "--output", str(out / "to_label.csv")),
        vertune(
            "data", "audit", str(recipe), "--output", str(out / "issues.csv"), "--folds", "2", "--top", "50"
        ),
    ]
    for call in calls:
        assert call.returncode == 0, (call.args, call.stderr[-2000:])
    printed = "".join(call.stdout + call.stderr for call in calls)
    assert "<EMAIL_1>" in printed and "<PHONE_1>" in printed  # the predictions are shown, redacted
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in inputs and p != recipe]
    assert {"predictions.csv", "to_label.csv", "issues.csv", "metrics.json", "log.jsonl"} <= {
        p.name for p in written
    }
    assert "<EMAIL_1>" in (out / "to_label.csv").read_text(encoding="utf-8")
    leaks = []
    for value in values:
        raw = value.encode()
        leaks += [str(p) for p in written if raw in p.read_bytes()]
        if value in printed:
            leaks.append(f"printed: {value}")
    assert not leaks, leaks[:10]
