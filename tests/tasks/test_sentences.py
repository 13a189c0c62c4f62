"""Sentences: raw text split into tokens with offsets; tokens joined into text."""

from vertune.tasks.sentences import as_sentence, from_text, from_tokens


def test_cjk_text_is_one_token_per_character_and_offsets_slice_the_text():
    text = "我在北京见到了John Smith。"
    sentence = from_text(text)
    assert sentence.tokens[:4] == ("我", "在", "北", "京")
    assert "John" in sentence.tokens and "。" in sentence.tokens
    for token, (start, end) in zip(sentence.tokens, sentence.offsets, strict=True):
        assert text[start:end] == token


def test_english_text_splits_words_and_punctuation():
    assert from_text("Mr. Smith visited New-York, today.").tokens == (
        "Mr",
        ".",
        "Smith",
        "visited",
        "New-York",
        ",",
        "today",
        ".",
    )


def test_cuts_split_tokens_at_span_edges():
    assert from_text("abcdef", cuts=[2, 4]).tokens == ("ab", "cd", "ef")


def test_tokens_join_without_spaces_between_cjk():
    sentence = from_tokens(["中", "国", "EU", "rejects"])
    assert sentence.text == "中国 EU rejects"
    assert sentence.char_span(2, 4) == (3, 13)
    assert as_sentence(["a"]).text == "a" and as_sentence(sentence) is sentence
