"""person / location redaction through a trained NER run (`data.redact_model`), with the patterns."""

import random

import pytest
import yaml

from helpers import vertune, write_recipe
from vertune.data.pii import Redactor, redactor_for
from vertune.errors import RecipeError, VertuneError
from vertune.recipe import load_recipe

PEOPLE = ["Mary Smith", "John Brown", "Anna Lee", "Peter Clark", "Laura King", "David Hall", "Emma Wood"]
PLACES = ["Paris", "London", "Berlin", "Madrid", "Boston", "Dublin", "Vienna"]
TEMPLATES = [
    "{p} moved to {l} last year .",
    "Dr {p} works in {l} .",
    "The pharmacy in {l} called {p} today .",
    "{p} took the tablets while visiting {l} .",
]


def sentence(template, person, place):
    """CoNLL lines of one templated sentence (IOB2)."""
    lines = []
    for word in template.split():
        if word in ("{p}", "{l}"):
            kind, name = ("PER", person) if word == "{p}" else ("LOC", place)
            lines += [f"{w} {'B' if i == 0 else 'I'}-{kind}" for i, w in enumerate(name.split())]
        else:
            lines.append(f"{word} O")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def ner_run(tmp_path_factory):
    """A small NER run on templated sentences (people and places), trained through the CLI."""
    directory = tmp_path_factory.mktemp("pii-ner")
    rng = random.Random(3)
    sentences = [sentence(rng.choice(TEMPLATES), rng.choice(PEOPLE), rng.choice(PLACES)) for _ in range(96)]
    (directory / "train.conll").write_text("\n\n".join(sentences[:80]) + "\n", encoding="utf-8")
    (directory / "test.conll").write_text("\n\n".join(sentences[80:]) + "\n", encoding="utf-8")
    recipe = write_recipe(
        directory,
        task="ner",
        data={"train": str(directory / "train.conll"), "test": str(directory / "test.conll")},
        training={"epochs": 3, "max_length": 32, "batch_size": 8, "learning_rate": 3e-4, "seed": 7},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_names_and_places_become_numbered_placeholders_with_the_patterns(ner_run):
    from vertune.models.predictor import Predictor

    redactor = Redactor(["email", "person", "location"], model=ner_run)
    texts = ["Mary Smith moved to Paris last year . Write to mary.smith@example.com , Mary Smith ."]
    texts += [f"Dr {p} works in {place} ." for p, place in zip(PEOPLE, PLACES, strict=True)]
    redactor.prefetch(texts)
    entities = Predictor.from_run(ner_run).predict(texts)
    found = 0
    for text, prediction in zip(texts, entities, strict=True):
        redacted = redactor.redact(text)
        spans = [e for e in prediction["entities"] if e["label"] in ("PER", "LOC")]
        found += len(spans)
        for e in spans:  # every name or place the run tags is gone from the text
            assert e["text"] not in redacted, (e, redacted)
    assert found > 0  # the run learnt to tag the templated names it was trained on
    first = redactor.redact(texts[0])
    assert "<EMAIL_1>" in first and "example.com" not in first  # a pattern wins the overlap with a name
    if first.count("<PERSON_") == 2:  # the same name twice: one number within the document
        assert first.count("<PERSON_1>") == 2


def test_a_recipe_redacts_with_the_run_and_refuses_bad_setups(ner_run, tmp_path):
    recipe = write_recipe(
        tmp_path, data={"train": "x.csv", "redact": ["person"], "redact_model": str(ner_run)}
    )
    data = load_recipe(recipe).data
    assert data.redact_model == ner_run.resolve()
    redactor = redactor_for(data)
    assert redactor is not None and redactor.redact("no names here") == "no names here"

    def refused(**data):
        raw = yaml.safe_load(recipe.read_text(encoding="utf-8"))
        raw["data"] = {"train": "x.csv", **data}
        recipe.write_text(yaml.safe_dump(raw), encoding="utf-8")
        with pytest.raises(RecipeError) as caught:
            load_recipe(recipe)
        return str(caught.value)

    assert "needs data.redact_model" in refused(redact=["email", "location"])
    assert "neither person nor location" in refused(redact=["email"], redact_model=str(ner_run))
    with pytest.raises(VertuneError, match="trained NER run"):
        Redactor(["person"])
    with pytest.raises(RecipeError, match="not a run directory"):
        Redactor(["person"], model=tmp_path / "nowhere")


def test_data_redact_a_file_with_the_ner_run(ner_run, tmp_path):
    source, target = tmp_path / "notes.csv", tmp_path / "clean.csv"
    source.write_text(
        "text,label\nDr Anna Lee works in Berlin . Mail anna@example.com,a\nnothing here,b\n",
        encoding="utf-8",
    )
    result = vertune(
        "data", "redact", str(source), "--output", str(target), "--types", "email,person,location",
        "--ner-model", str(ner_run),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    written = target.read_text(encoding="utf-8")
    assert "<EMAIL_1>" in written and "anna@example.com" not in written
    assert "email 1 (line 2)" in result.stdout
    if "<PERSON_1>" in written:  # what the run tags is replaced and counted
        assert "Anna Lee" not in written and "person 1 (line 2)" in result.stdout
    refused = vertune("data", "redact", str(source), "--output", str(target), "--types", "person")
    assert refused.returncode == 2 and "trained NER run" in refused.stderr
