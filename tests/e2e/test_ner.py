"""`vertune train / evaluate / predict / data check` for task ner, like a user, on real MSRA sentences."""

import json

import pytest

from helpers import FIXTURES, fails_cleanly, vertune, write_recipe
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

MSRA_TRAIN = FIXTURES / "msra_ner_train.conll"
MSRA_TEST = FIXTURES / "msra_ner_test.conll"


def ner_recipe(directory, **changes):
    # max_length 32 cuts most sentences into windows; a higher learning rate so 3 epochs of 45 sentences learn
    # something; the checkpoint is picked on validation loss (entity F1 on 5 sentences is often a tie at 0)
    sections = {
        "model": {"name": "minilm", "extend_vocab": "from_data", "extend_vocab_min_frequency": 1},
        "task": "ner",
        "data": {"train": str(MSRA_TRAIN), "test": str(MSRA_TEST)},
        "training": {
            "epochs": 3,
            "max_length": 32,
            "batch_size": 8,
            "learning_rate": 3e-4,
            "seed": 7,
            "metric_for_best": "loss",
            "early_stopping_patience": 0,
        },
        "evaluation": {"baselines": ["most_frequent_tag"]},
    }
    sections.update(changes)
    return write_recipe(directory, **sections)


@pytest.fixture(scope="module")
def ner_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ner")
    result = vertune("train", str(ner_recipe(directory)))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "vocabulary: added" in result.stderr and "[UNK] share train" in result.stderr
    return directory / "run"


def test_ner_run_scores_entities_and_reports_errors(ner_run):
    run = RunDir(ner_run)
    metrics = run.load_metrics()
    test = metrics["test"]
    for key in ("f1", "precision", "recall", "macro_f1", "token_accuracy"):
        assert 0.0 <= test[key] <= 1.0
    assert set(test["per_class"]) == {"LOC", "ORG", "PER"}
    gold = sum(test["per_class"][t]["support"] for t in test["per_class"])
    errors = test["errors"]
    assert gold == sum(
        errors[k] for k in ("correct", "type_confusion", "boundary", "type_and_boundary", "missed")
    )
    assert test["examples"] == 25
    assert metrics["baselines"]["most_frequent_tag"]["f1"] >= 0.0
    vocabulary = metrics["vocabulary"]
    assert vocabulary["added_tokens"] > 100
    assert vocabulary["unknown_after"]["train"]["share"] < vocabulary["unknown_before"]["train"]["share"]
    assert json.loads(run.labels_path.read_text())["labels"] == [
        "O",
        "B-LOC",
        "I-LOC",
        "B-ORG",
        "I-ORG",
        "B-PER",
        "I-PER",
    ]
    report = run.report_md.read_text(encoding="utf-8")
    for heading in ("Entity errors (test set)", "Vocabulary extension", "Entity F1"):
        assert heading in report


def test_extended_model_loads_with_plain_transformers(ner_run):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(ner_run / "model")
    tokenizer = AutoTokenizer.from_pretrained(ner_run / "model")
    assert len(tokenizer) == model.config.vocab_size > 30522
    assert tokenizer.unk_token_id not in tokenizer("日寇在京掠夺文物", add_special_tokens=False)["input_ids"]


def test_predict_raw_text_gives_entities_with_character_offsets(ner_run):
    texts = [  # three training sentences (LOC, PER and ORG entities) and an unseen one
        "因有关日寇在京掠夺文物详情，藏界较为重视，也是我们收藏北京史料中的要件之一。",
        "我们是受到郑振铎先生、阿英先生著作的启示，从个人条件出发，瞄准现代出版史研究的空白，重点集藏解放区、国民党毁禁出版物。",
        "去年，我们又被评为“北京市首届家庭藏书状元明星户”。",
        "我在北京见到了张三。",
    ]
    result = vertune("predict", str(ner_run), *texts)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == texts
    # A model trained for seconds on 45 sentences may find no entity at all, so this checks every entity it
    # does find; tests/tasks/test_ner.py checks the offsets of decoded entities without depending on training.
    for line in lines:
        for entity in line["entities"]:
            assert line["text"][entity["start"] : entity["end"]] == entity["text"]
            assert entity["label"] in {"LOC", "ORG", "PER"} and 0.0 < entity["score"] <= 1.0


def test_evaluate_and_predict_file(ner_run, tmp_path):
    result = vertune("evaluate", str(ner_run), "--data", str(MSRA_TEST), "--output", str(tmp_path / "eval"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "f1 " in result.stdout and "(25 rows)" in result.stdout
    texts = tmp_path / "texts.jsonl"
    texts.write_text(
        '{"text": "我在北京见到了张三。"}\n{"text": "Angela Merkel visited Paris"}\n', encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = vertune("predict", str(ner_run), "--file", str(texts), "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(json.loads(row["entities"]), list) for row in rows)


def test_data_check_reports_unknown_share_before_and_after(tmp_path):
    result = vertune(
        "data",
        "check",
        str(MSRA_TRAIN),
        "--task",
        "ner",
        "--test",
        str(MSRA_TEST),
        "--extend-vocab",
        "from_data",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[UNK] 58.1% of tokens" in result.stdout and "after extending the vocabulary by" in result.stdout


def test_data_check_fix_writes_the_repaired_file(tmp_path):
    fixed = tmp_path / "fixed.conll"
    result = vertune(
        "data",
        "check",
        str(FIXTURES / "ner_en_invalid.conll"),
        "--task",
        "ner",
        "--fix",
        "--output",
        str(fixed),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ner_en_invalid.conll:8: invalid IOB2 sequence: 'I-PER' after 'O'" in result.stderr
    assert fixed.read_text(encoding="utf-8").splitlines()[-2:] == ["I-bad B-PER", "Macron I-PER"]


def test_bad_ner_files_fail_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("EU B-ORG\nrejects\n\nGerman X-MISC\n", encoding="utf-8")
    fails_cleanly(
        vertune("data", "check", str(bad), "--task", "ner"), "bad.conll:2: token 'rejects' has no tag"
    )
    bad.write_text("EU B-ORG\nrejects O\n\nGerman X-MISC\n", encoding="utf-8")
    fails_cleanly(
        vertune("data", "check", str(bad), "--task", "ner"), "bad.conll:4: tag 'X-MISC' has no IOB2 prefix"
    )
    spans = tmp_path / "spans.jsonl"
    spans.write_text(
        '{"text": "Paris", "spans": [{"start": 0, "end": 9, "label": "LOC"}]}\n', encoding="utf-8"
    )
    recipe = ner_recipe(tmp_path, data={"train": str(spans)})
    fails_cleanly(vertune("train", str(recipe)), "spans.jsonl:1: span 0-9 (LOC) is outside the text")


def test_entity_f1_has_a_sentence_bootstrap_interval_and_a_verdict(ner_run):
    metrics = RunDir(ner_run).load_metrics()
    for metric in ("f1", "precision", "recall"):
        low, high = metrics["test"]["intervals"][metric]
        assert 0.0 <= low <= metrics["test"][metric] <= high <= 1.0
    comparison = metrics["comparisons"]["most_frequent_tag"]
    assert comparison["metric"] == "f1"
    assert comparison["difference"] == pytest.approx(
        metrics["test"]["f1"] - metrics["baselines"]["most_frequent_tag"]["f1"], abs=1e-6
    )


def test_robustness_on_a_file_swaps_entities_and_keeps_tags_aligned(ner_run, tmp_path):
    output = tmp_path / "probe"
    result = vertune(
        "evaluate", str(ner_run), "--data", str(MSRA_TEST), "--output", str(output), "--robustness", "--quiet"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = RunDir(output).load_metrics()["test"]["robustness"]
    assert found["metric"] == "f1" and "entity_swap" in found["perturbations"]
    assert "extra_whitespace" in found["skipped"]  # NER reads words: whitespace never reaches the model
    assert found["perturbations"]["entity_swap"]["changed"] > 0
    assert "## Robustness" in (output / "report.md").read_text(encoding="utf-8")


def test_explain_attributes_each_predicted_entity(ner_run):
    text = "中国的首都是北京，上海是中国最大的城市。"
    result = vertune("explain", str(ner_run), text, "--steps", "4")
    assert result.returncode == 0, result.stderr[-2000:]
    explained = json.loads(result.stdout)
    assert explained["text"] == text
    for entity in explained["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
        assert [t["text"] for t in entity["tokens"]] == list(text)  # one weight per character token
        assert max(abs(t["weight"]) for t in entity["tokens"]) == pytest.approx(1.0)
