"""`vertune explain` and the report's attributed test errors, on the shared trained run (real MiniLM)."""

import json

import pytest

from helpers import fails_cleanly, vertune
from vertune.run import RunDir

pytestmark = pytest.mark.e2e


def test_explain_prints_token_attributions_of_the_prediction(trained_run):
    text = "The pills gave me a terrible headache"
    result = vertune("explain", str(trained_run), text, "--steps", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    explained = json.loads(result.stdout.splitlines()[0])
    predicted = json.loads(vertune("predict", str(trained_run), text).stdout.splitlines()[0])
    assert explained["label"] == explained["explained"] == predicted["label"]
    tokens = explained["tokens"]
    assert [text[t["start"] : t["end"]] for t in tokens] == [t["text"] for t in tokens]
    assert max(abs(t["weight"]) for t in tokens) == pytest.approx(1.0)
    other = vertune("explain", str(trained_run), text, "--steps", "4", "--label", "negative")
    assert json.loads(other.stdout)["explained"] == "negative"


def test_explain_refuses_past_its_bounds_with_one_line(trained_run):
    fails_cleanly(vertune("explain", str(trained_run), "fine", "--steps", "500"), "1 to 200")
    fails_cleanly(vertune("explain", str(trained_run), "word " * 300), "explain reads at most")
    fails_cleanly(
        vertune("explain", str(trained_run), "fine", "--label", "nope"), "not one of the run's labels"
    )


def test_report_shows_the_most_confident_errors_highlighted(trained_run):
    run = RunDir(trained_run)
    explained = run.load_metrics()["test"]["explanations"]
    assert 1 <= len(explained) <= 3
    scores = [e["score"] for e in explained]
    assert scores == sorted(scores, reverse=True) and all(e["gold"] != e["predicted"] for e in explained)
    assert "Why the model got these wrong" in run.report_md.read_text(encoding="utf-8")
    page = run.report_html.read_text(encoding="utf-8")
    assert 'class="attr"' in page and "<script" not in page.lower()
