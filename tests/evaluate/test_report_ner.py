"""The NER sections of the report: entity score columns, error analysis, vocabulary extension."""

from vertune.evaluate.report import to_markdown, write_report
from vertune.run import RunDir

METRICS = {
    "recipe": {
        "model": "minilm",
        "task": "ner",
        "method": "full",
        "metric": "f1",
        "summary_metrics": ["f1", "precision", "recall"],
    },
    "test": {
        "f1": 0.8,
        "precision": 0.75,
        "recall": 0.857,
        "macro_f1": 0.7,
        "per_class": {"LOC": {"precision": 0.8, "recall": 0.9, "f1": 0.85, "support": 10}},
        "errors": {
            "correct": 6,
            "type_confusion": 1,
            "boundary": 1,
            "type_and_boundary": 0,
            "missed": 2,
            "spurious": 1,
        },
        "type_confusions": {"ORG -> LOC": 1},
        "confusion_matrix": {"labels": ["LOC", "ORG", "O"], "matrix": [[6, 0, 2], [1, 0, 0], [1, 0, 0]]},
        "examples": 5,
    },
    "baselines": {"most_frequent_tag": {"f1": 0.5, "precision": 0.6, "recall": 0.4}},
    "vocabulary": {
        "added_tokens": 12,
        "initialised_from_pieces": 2,
        "initialised_from_mean": 10,
        "examples": ["在", "见"],
        "unknown_before": {"train": {"share": 0.58}},
        "unknown_after": {"train": {"share": 0.0}},
    },
}


def test_ner_report_has_entity_columns_errors_and_vocabulary(tmp_path):
    run = RunDir(tmp_path / "run").create()
    paths = write_report(run, METRICS, [])
    text = paths["markdown"].read_text(encoding="utf-8")
    assert "| Model | Entity F1 | Precision | Recall |" in text
    assert "Fine-tuning beats the best baseline (most_frequent_tag) by +30.0 F1 points" in text
    assert "| missed (no prediction overlaps it) | 2 | 20.0% |" in text
    assert "ORG -&gt; LOC: 1" in text
    assert "12 tokens added" in text and "| train | 58.0% | 0.0% |" in text


def test_classification_report_keeps_its_columns(tmp_path):
    run = RunDir(tmp_path / "run").create()
    metrics = {
        "recipe": {"task": "classification", "metric": "macro_f1"},
        "test": {"accuracy": 0.9, "macro_f1": 0.8, "weighted_f1": 0.85},
    }
    text = to_markdown([]) + write_report(run, metrics, [])["markdown"].read_text(encoding="utf-8")
    assert "| Model | Accuracy | Macro-F1 | Weighted-F1 |" in text
    assert "Entity errors" not in text and "Vocabulary extension" not in text
