"""Tag schemes, repair, and constrained decoding."""

import numpy as np
import pytest

from vertune.tasks import tagging
from vertune.tasks.tagging import Span

IOB2 = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
BIOES = ["B-PER", "E-PER", "O", "S-LOC", "B-LOC", "E-LOC"]
BMES = ["B-PER", "E-PER", "O", "S-LOC", "B-LOC", "E-LOC"]
SPANS = [Span("PER", 0, 2), Span("LOC", 3, 4), Span("LOC", 4, 6)]


@pytest.mark.parametrize(("tags", "scheme"), [(IOB2, "IOB2"), (BIOES, "BIOES"), (BMES, "BMES")])
def test_every_scheme_reads_to_the_same_spans_and_writes_back(tags, scheme):
    spans, invalid = tagging.read_spans(tags, scheme)
    assert spans == SPANS and invalid == []
    assert tagging.write_tags(spans, len(tags), scheme) == tags
    assert tagging.convert(tags, scheme) == IOB2


def test_bmes_uses_m_inside_long_entities():
    tags = tagging.write_tags([Span("ORG", 0, 4)], 4, "BMES")
    assert tags == ["B-ORG", "M-ORG", "M-ORG", "E-ORG"]
    assert tagging.convert(tags, "BMES", "BIOES") == ["B-ORG", "I-ORG", "I-ORG", "E-ORG"]


def test_detect_scheme_from_prefixes():
    assert tagging.detect_scheme(IOB2) == "IOB2"
    assert tagging.detect_scheme(["S-LOC", "O"]) == "BIOES"
    assert tagging.detect_scheme(["B-LOC", "M-LOC", "E-LOC"]) == "BMES"


def test_i_after_o_is_invalid_and_repaired_as_seqeval_reads_it():
    from seqeval.metrics.sequence_labeling import get_entities

    tags = ["O", "I-PER", "I-PER", "B-LOC", "I-ORG"]
    spans, invalid = tagging.read_spans(tags, "IOB2")
    assert invalid == [1, 4]
    assert tagging.repair(tags, "IOB2") == ["O", "B-PER", "I-PER", "B-LOC", "B-ORG"]
    # the same entities seqeval's default (lenient) mode finds
    assert sorted((s.label, s.start, s.end - 1) for s in spans) == sorted(get_entities(tags))


def test_bioes_entity_without_end_is_invalid():
    spans, invalid = tagging.read_spans(["B-PER", "I-PER", "O"], "BIOES")
    assert spans == [Span("PER", 0, 2)] and invalid == [1]
    assert tagging.repair(["B-PER", "I-PER", "O"], "BIOES") == ["B-PER", "E-PER", "O"]


def test_bad_prefix():
    assert tagging.bad_prefix("B-PER", "IOB2") is None
    assert "no IOB2 prefix" in tagging.bad_prefix("E-PER", "IOB2")
    assert tagging.bad_prefix("PER", "BIOES") is not None


def test_viterbi_never_emits_i_after_o():
    labels = tagging.tag_labels(["PER", "LOC"])  # O, B-LOC, I-LOC, B-PER, I-PER
    index = {label: i for i, label in enumerate(labels)}
    logits = np.full((4, len(labels)), -5.0)
    # argmax would say: O, I-PER, I-PER, I-LOC (I-PER after O, I-LOC after I-PER)
    for row, tag in enumerate(["O", "I-PER", "I-PER", "I-LOC"]):
        logits[row, index[tag]] = 5.0
    logits[1, index["B-PER"]] = 4.0
    argmax = [labels[i] for i in logits.argmax(-1)]
    assert tagging.read_spans(argmax, "IOB2")[1]  # argmax is invalid
    path = [labels[i] for i in tagging.viterbi(tagging.log_softmax(logits), labels)]
    assert tagging.read_spans(path, "IOB2")[1] == []
    assert path[:3] == ["O", "B-PER", "I-PER"]


def test_viterbi_on_random_logits_is_always_valid():
    labels = tagging.tag_labels(["A", "B", "C"])
    rng = np.random.default_rng(0)
    for _ in range(50):
        logits = rng.normal(size=(rng.integers(1, 30), len(labels))) * 3
        path = [labels[i] for i in tagging.viterbi(tagging.log_softmax(logits), labels)]
        assert tagging.read_spans(path, "IOB2")[1] == []
