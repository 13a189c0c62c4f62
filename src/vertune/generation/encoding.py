"""Supervised fine-tuning features: the conversation through the model's chat template, the loss on every
assistant turn, and each turn's end-of-turn token inside the loss.

A model whose stop token never carries a label never learns to stop (endless repetition is the most reported
SFT failure; TRL checks for it too), so a labelled turn is the answer *and* the template's end-of-turn token
(`<|im_end|>` for ChatML models such as SmolLM2, the tokenizer's EOS otherwise). Whatever the template writes
after that token (a newline) and every prompt token (system, user turns, each assistant header) get -100.
The prompt / answer borders are found by rendering the conversation up to each assistant turn with and
without it: the text the turn adds, up to and including the end-of-turn token, is what the model learns to
write. In a multi-turn conversation every assistant turn is learnt (as TRL's `assistant_only_loss` does), not
only the last; a template that rewrites earlier turns (so that the renderings are not prefixes of each
other) falls back to the last turn alone. Scoring (perplexity) labels the last turn only: the answer to
the test question, whatever earlier turns (few-shot examples) the prompt holds.
"""

from __future__ import annotations

from typing import Any

IGNORE = -100


def render_prompt(tokenizer: Any, prompt: list[dict[str, str]]) -> str:
    """The text the model continues: the chat template with the assistant turn opened."""
    if getattr(tokenizer, "chat_template", None):
        return str(tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True))
    return "\n".join(f"{m['role']}: {m['content']}" for m in prompt) + "\nassistant:"


def end_of_turn(tokenizer: Any) -> str:
    return str(tokenizer.eos_token or "")


def answer_text(tokenizer: Any, prompt: list[dict[str, str]], response: str) -> str:
    """What the answer adds to the rendered prompt, cut just after the end-of-turn token."""
    eos = end_of_turn(tokenizer)
    opened = render_prompt(tokenizer, prompt)
    if getattr(tokenizer, "chat_template", None):
        full = str(
            tokenizer.apply_chat_template(
                [*prompt, {"role": "assistant", "content": response}], tokenize=False
            )
        )
        if full.startswith(opened):
            added = full[len(opened) :]
            if eos and eos in added:
                return added[: added.rindex(eos) + len(eos)]
            return added + eos
    return (" " if not opened.endswith((" ", "\n")) else "") + response + eos


def segments(
    tokenizer: Any, prompt: list[dict[str, str]], response: str, all_turns: bool = True
) -> list[tuple[str, bool]]:
    """The conversation's text in order as (text, labelled) pieces; the last piece is the answer.
    With `all_turns`, the earlier assistant turns of `prompt` are labelled pieces too."""
    opened = render_prompt(tokenizer, prompt)
    last = [(opened, False), (answer_text(tokenizer, prompt, response), True)]
    turns = [i for i, m in enumerate(prompt) if m["role"] == "assistant" and i > 0]
    if not all_turns or not turns or not getattr(tokenizer, "chat_template", None):
        return last
    pieces: list[tuple[str, bool]] = []
    done = ""  # the text the pieces cover so far
    for index in turns:
        before = render_prompt(tokenizer, prompt[:index])
        said = answer_text(tokenizer, prompt[:index], prompt[index]["content"])
        if not before.startswith(done):
            return last  # the template renders earlier turns differently once more follow
        pieces += [(before[len(done) :], False), (said, True)]
        done = before + said
    if not opened.startswith(done):
        return last
    return [*pieces, (opened[len(done) :], False), last[1]]


def _ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]) if text else []


def encode_example(
    tokenizer: Any,
    prompt: list[dict[str, str]],
    response: str,
    max_length: int,
    all_turns: bool = True,
) -> dict[str, list[int]]:
    """input_ids, attention_mask and labels (-100 but on the assistant turns) of one example, at most
    max_length long: an over-long example keeps the end of the conversation before the answer and the start
    of the answer (at least half the room). `all_turns=False` labels the last answer only (scoring)."""
    *before, (answer, _) = segments(tokenizer, prompt, response, all_turns)
    prompt_ids: list[int] = []
    prompt_labels: list[int] = []
    for text, labelled in before:
        ids = _ids(tokenizer, text)
        prompt_ids += ids
        prompt_labels += ids if labelled else [IGNORE] * len(ids)
    answer_ids = _ids(tokenizer, answer)
    if len(prompt_ids) + len(answer_ids) > max_length:
        room = max(max_length // 2, max_length - len(prompt_ids))
        answer_ids = answer_ids[:room]
        cut = len(prompt_ids) - (max_length - len(answer_ids))
        prompt_ids, prompt_labels = prompt_ids[cut:], prompt_labels[cut:]
    return {
        "input_ids": prompt_ids + answer_ids,
        "attention_mask": [1] * (len(prompt_ids) + len(answer_ids)),
        "labels": prompt_labels + answer_ids,
    }


def encode_prompt(tokenizer: Any, prompt: list[dict[str, str]], max_length: int) -> dict[str, list[int]]:
    """An unlabelled example (its prompt only), cut from the left to max_length."""
    ids = list(
        tokenizer(render_prompt(tokenizer, prompt), add_special_tokens=False, verbose=False)["input_ids"]
    )[-max_length:]
    return {"input_ids": ids, "attention_mask": [1] * len(ids)}
