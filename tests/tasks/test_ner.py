"""The NER task with the real MiniLM tokenizer: alignment, windows, merging, decoding, scores."""

import itertools

import numpy as np
import pytest
from transformers import AutoTokenizer

from vertune.tasks.base import Examples
from vertune.tasks.ner import NerTask, windows
from vertune.tasks.sentences import from_text, from_tokens


@pytest.fixture(scope="module")
def tokenizer(minilm_dir):
    return AutoTokenizer.from_pretrained(minilm_dir)


TASK = NerTask()
LABELS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


def test_first_piece_of_each_word_carries_the_label(tokenizer):
    sentence = from_tokens(["Pembrolizumab", "visited", "Brussels"])
    [feature] = TASK.encode([sentence], tokenizer, 64)
    examples = Examples(None, [sentence], [["B-PER", "O", "B-LOC"]])
    TASK.attach_targets([feature], examples, LABELS)
    pieces = tokenizer.convert_ids_to_tokens(feature["input_ids"])
    labelled = [(p, LABELS[i]) for p, i in zip(pieces, feature["labels"], strict=True) if i != -100]
    assert [tag for _, tag in labelled] == ["B-PER", "O", "B-LOC"]
    assert len(pieces) > 5  # sub-word pieces and [CLS]/[SEP] carry -100
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"


def test_windows_overlap_start_at_words_and_cover_everything():
    first_piece = [0, -100, 1, 2, -100, -100, 3, 4, 5, 6, -100, 7, 8, 9]
    spans = windows(first_piece, 6)
    assert spans[0][0] == 0 and spans[-1][1] == len(first_piece)
    for (s1, e1), (s2, _) in itertools.pairwise(spans):
        assert s2 < e1 and s2 > s1 and first_piece[s2] >= 0  # overlap, progress, word start
    assert all(e - s <= 6 for s, e in spans)


def test_long_sentences_are_windowed_and_merged_back_per_word(tokenizer):
    text = "张三在北京大学读书。" * 12  # 120 characters, far beyond max_length 32
    sentence = from_text(text)
    features = TASK.encode([sentence, from_text("李四")], tokenizer, 32)
    assert len([f for f in features if f["example"] == 0]) > 4
    assert all(len(f["input_ids"]) <= 32 for f in features)
    # a model that outputs, at every position, the one-hot of its word index modulo the labels
    outputs = []
    for feature in features:
        rows = np.zeros((len(feature["input_ids"]) + 3, len(LABELS)))  # + batch padding
        for position, word in enumerate(feature["word_index"]):
            if word >= 0:
                rows[position, word % len(LABELS)] = 1.0
        outputs.append(rows)
    merged = TASK.merge(outputs, features, 2)
    assert merged[0].shape == (len(sentence), len(LABELS)) and merged[1].shape == (2, len(LABELS))
    assert [int(row.argmax()) for row in merged[0]] == [w % len(LABELS) for w in range(len(sentence))]


def test_decode_gives_character_offsets_into_the_original_text(tokenizer):
    text = "Yesterday Angela Merkel flew to Paris ."
    from_text(text)
    tags = ["O", "B-PER", "I-PER", "O", "O", "B-LOC", "O"]
    logits = np.full((len(tags), len(LABELS)), -4.0)
    for row, tag in enumerate(tags):
        logits[row, LABELS.index(tag)] = 4.0
    [decoded] = TASK.decode([logits], [text], LABELS)
    entities = decoded["entities"]
    assert [(e["label"], e["text"]) for e in entities] == [("PER", "Angela Merkel"), ("LOC", "Paris")]
    for entity in entities:
        assert text[entity["start"] : entity["end"]] == entity["text"]
        assert 0.9 < entity["score"] <= 1.0


def test_word_without_pieces_is_decoded_as_o():
    logits = np.array([[0.0, 5.0, 0.0, 0.0, 0.0], [np.nan] * 5])
    [decoded] = TASK.decode([logits], [["Paris", "\u200b"]], LABELS)
    assert [e["text"] for e in decoded["entities"]] == ["Paris"]


def test_detailed_scores_per_type_and_error_kinds():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O", "B-PER", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-PER"], ["B-LOC", "I-LOC", "O", "B-LOC"]]

    def one_hot(tags):
        rows = np.full((len(tags), len(LABELS)), -4.0)
        for i, tag in enumerate(tags):
            rows[i, LABELS.index(tag)] = 4.0
        return rows

    result = TASK.detailed([one_hot(t) for t in predicted], gold, LABELS)
    assert result["errors"] == {
        "correct": 1,
        "type_confusion": 1,  # LOC -> PER on the same token
        "boundary": 1,  # LOC predicted one token too long
        "type_and_boundary": 0,
        "missed": 1,  # PER in the second sentence
        "spurious": 1,  # LOC on the last token
    }
    assert result["type_confusions"] == {"LOC -> PER": 1}
    assert set(result["per_class"]) == {"LOC", "PER"}
    assert result["precision"] == pytest.approx(1 / 4) and result["recall"] == pytest.approx(1 / 4)
    assert result["examples"] == 2
