"""deploy/compress.py: the collapse rule (how a collapse shows in the report: tests/evaluate/test_report_compression.py)."""

import pytest

from vertune.deploy.compress import choose_method, collapse
from vertune.errors import VertuneError


@pytest.mark.parametrize(
    ("metric", "parent", "compressed", "collapsed"),
    [
        ("macro_f1", 0.80, 0.78, False),  # 2 points: noise of int8
        ("macro_f1", 0.80, 0.74, True),  # more than 5 points
        ("macro_f1", 0.20, 0.155, True),  # 4.5 points, but 22% of the parent's score
        ("macro_f1", 0.80, 0.95, False),  # better is never a collapse
        ("rmse", 45.5, 50.0, False),  # 10% worse
        ("rmse", 45.5, 1111.09, True),  # the standardised-predictions bug
        ("rmse", 1.0, 0.5, False),
    ],
)
def test_collapse_rule(metric, parent, compressed, collapsed):
    warning = collapse(metric, parent, compressed)
    assert (warning is not None) == collapsed
    if collapsed:
        assert f"test {metric} collapsed: {compressed:.4f} against the parent's {parent:.4f}" in warning


def test_exactly_one_method():
    with pytest.raises(VertuneError, match="exactly one of"):
        choose_method(None, 0.3, True, "onnx")
    with pytest.raises(VertuneError, match="use onnx or torch"):
        choose_method("int8", None, False, "tflite")
    assert choose_method(None, None, True, "onnx") == "distill"
