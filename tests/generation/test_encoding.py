"""The SFT mask with the real SmolLM2 tokenizer and chat template: exactly the answer tokens and the
end-of-turn token of every assistant turn carry labels."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from vertune.generation.encoding import IGNORE, encode_example, encode_prompt, render_prompt

PROMPT = [
    {"role": "system", "content": "You name the condition a drug review is about."},
    {"role": "user", "content": "Review: this pill stopped my migraines."},
]
ANSWER = "Migraine"


@pytest.fixture(scope="module")
def tokenizer(smollm2_dir):
    return AutoTokenizer.from_pretrained(smollm2_dir)


def test_only_the_answer_and_the_end_of_turn_token_carry_labels(tokenizer):
    feature = encode_example(tokenizer, PROMPT, ANSWER, max_length=256)
    labelled = [(i, t) for i, t in enumerate(feature["labels"]) if t != IGNORE]
    answer_ids = tokenizer(ANSWER, add_special_tokens=False)["input_ids"]
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert [t for _, t in labelled] == [*answer_ids, eos]
    # contiguous, at the end, and equal to the input ids at the same positions
    first = labelled[0][0]
    assert [i for i, _ in labelled] == list(range(first, len(feature["input_ids"])))
    assert feature["input_ids"][first:] == [t for _, t in labelled]
    # everything before is the rendered prompt (system, user turn, the opened assistant header)
    prompt_ids = tokenizer(render_prompt(tokenizer, PROMPT), add_special_tokens=False)["input_ids"]
    assert feature["input_ids"][:first] == prompt_ids
    assert tokenizer.decode(feature["input_ids"][:first]).endswith("<|im_start|>assistant\n")
    assert len(feature["attention_mask"]) == len(feature["input_ids"])


def labelled_runs(feature: dict[str, list[int]]) -> list[list[int]]:
    """The labelled positions as runs of consecutive positions."""
    runs: list[list[int]] = []
    for i, label in enumerate(feature["labels"]):
        if label == IGNORE:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def test_every_assistant_turn_of_a_conversation_carries_labels_and_nothing_else(tokenizer):
    first, second = "Migraine", "Take it with food."
    conversation = [
        *PROMPT,
        {"role": "assistant", "content": first},
        {"role": "user", "content": "How should I take it?"},
    ]
    feature = encode_example(tokenizer, conversation, second, max_length=256)
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    runs = labelled_runs(feature)
    expected = [
        [*tokenizer(answer, add_special_tokens=False)["input_ids"], eos] for answer in (first, second)
    ]
    assert [[feature["labels"][i] for i in run] for run in runs] == expected
    assert [[feature["input_ids"][i] for i in run] for run in runs] == expected
    assert runs[-1][-1] == len(feature["input_ids"]) - 1
    # the ids are the real template's rendering of the whole conversation, up to the last end-of-turn token
    full = tokenizer.apply_chat_template(
        [*conversation, {"role": "assistant", "content": second}], tokenize=False
    )
    assert tokenizer.decode(feature["input_ids"]) == full[: full.rindex("<|im_end|>") + len("<|im_end|>")]
    # what is masked: the system prompt, both user turns, both assistant headers and the newline between turns
    masked = tokenizer.decode(
        [t for t, label in zip(feature["input_ids"], feature["labels"], strict=True) if label == IGNORE]
    )
    for message in conversation:
        if message["role"] != "assistant":
            assert message["content"] in masked
    assert masked.count("<|im_start|>assistant\n") == 2 and first not in masked
    # scoring labels the last answer only
    last_only = encode_example(tokenizer, conversation, second, max_length=256, all_turns=False)
    assert last_only["input_ids"] == feature["input_ids"]
    assert [[last_only["labels"][i] for i in run] for run in labelled_runs(last_only)] == expected[1:]


def test_an_over_long_example_keeps_the_end_of_the_prompt_and_the_start_of_the_answer(tokenizer):
    long_prompt = [{"role": "user", "content": "word " * 200 + "QUESTION?"}]
    feature = encode_example(tokenizer, long_prompt, "an answer " * 50, max_length=64)
    assert len(feature["input_ids"]) == 64
    labelled = sum(t != IGNORE for t in feature["labels"])
    assert labelled == 32  # half the room for the answer, whose end-of-turn token is cut
    assert "assistant" in tokenizer.decode(feature["input_ids"][:32])
    assert len(encode_prompt(tokenizer, long_prompt, 64)["input_ids"]) == 64
