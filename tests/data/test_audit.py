import random

import pytest
import yaml

from helpers import FIXTURES
from vertune import api
from vertune.data.audit import Row, audit_rows, near_duplicates, normalise
from vertune.errors import VertuneError

WORDS = {
    "sport": "match goal team coach season win league player score",
    "money": "bank shares profit market investor price rate economy",
    "tech": "software phone chip internet computer app data network",
}


def synthetic_rows(n_per_class=40, flipped=6, seed=0):
    rng = random.Random(seed)
    rows = []
    for label, words in WORDS.items():
        vocabulary = words.split()
        for i in range(n_per_class):
            text = " ".join(rng.choices(vocabulary, k=8)) + f" number {i}"
            rows.append(Row("train", "t.csv", len(rows) + 2, text, label))
    wrong = rng.sample(range(len(rows)), flipped)
    for i in wrong:
        rows[i].label = next(label for label in WORDS if label != rows[i].label)
    return rows, {rows[i].line for i in wrong}


def test_flipped_labels_come_first():
    rows, flipped = synthetic_rows()
    result = audit_rows(rows, folds=5, seed=0)
    top = {issue["line"] for issue in result.issues[: len(flipped)]}
    assert len(top & flipped) >= len(flipped) - 1
    first = result.issues[0]
    assert first["rank"] == 1 and first["given"] != first["suggested"]
    assert list(first) == ["rank", "split", "file", "line", "text", "given", "suggested", "label_quality"]
    qualities = [issue["label_quality"] for issue in result.issues]
    assert all(0 <= q <= 1 for q in qualities)


def test_groups_stay_in_one_fold_and_one_class_is_refused():
    rows, _ = synthetic_rows(n_per_class=20, flipped=0)
    for i, row in enumerate(rows):
        row.group = f"customer{i // 3}"
    assert audit_rows(rows, folds=3).folds == 3
    with pytest.raises(VertuneError, match="at least two classes"):
        audit_rows([Row("train", "t.csv", 2, "a", "x"), Row("train", "t.csv", 3, "b", "x")])


def test_near_duplicates_within_and_across_splits():
    rows = [
        Row("train", "a.csv", 2, "Great drug!  No side effects.", "positive"),
        Row("train", "a.csv", 3, "great drug no side effects", "negative"),
        Row("test", "b.csv", 2, "GREAT DRUG, no side-effects", "positive"),
        Row("test", "b.csv", 3, "something else", "positive"),
    ]
    assert normalise("Great drug!  No side-effects.") == "great drug no side effects"
    pairs = near_duplicates(rows)
    assert [(p["where"], p["line_b"], p["same_label"]) for p in pairs] == [
        ("across", 2, True),
        ("within", 3, False),
    ]


def test_api_audits_every_split_of_a_recipe_and_writes_csvs(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        yaml.safe_dump({"model": "minilm", "data": {"train": str(FIXTURES / "reviews_train.csv")}}),
        encoding="utf-8",
    )
    result = api.audit(recipe, output=tmp_path / "out" / "issues.csv", folds=3)
    assert sum(result.rows.values()) == 90 and set(result.rows) == {"train", "validation", "test"}
    assert (
        result.files["issues"]
        .read_text(encoding="utf-8")
        .startswith("rank,split,file,line,text,given,suggested,label_quality\n")
    )
    assert (tmp_path / "out" / "issues-duplicates.csv").exists()
    with pytest.raises(VertuneError, match="at least 2 folds"):
        api.audit(recipe, folds=1)
    with pytest.raises(VertuneError, match="not task regression"):
        api.audit(recipe, overrides=["task=regression"])


@pytest.mark.parametrize(
    ("task", "train", "extra"),
    [
        ("multilabel", "conditions_train.csv", {"label_column": "labels"}),
        ("ner", "msra_ner_train.conll", {}),
    ],
)
def test_api_audits_label_sets_and_entity_tags(tmp_path, task, train, extra):
    recipe = tmp_path / "recipe.yaml"
    data = {"train": str(FIXTURES / train), **extra}
    recipe.write_text(yaml.safe_dump({"model": "minilm", "task": task, "data": data}), encoding="utf-8")
    result = api.audit(recipe, output=tmp_path / "issues.csv", folds=3, similarity=0.99)
    assert set(result.rows) == {"train", "validation", "test"}
    for issue in result.issues:
        assert issue["split"] in result.rows and 0 <= issue["label_quality"] <= 1
        if task == "ner":
            assert issue["text"].count("[[") == 1 and issue["given"] != issue["suggested"]
    header = (tmp_path / "issues-duplicates.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("where,match,similarity,split_a")
