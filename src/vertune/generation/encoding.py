"""Supervised fine-tuning features: the conversation through the model's chat template, the loss on the
answer only, and the end-of-turn token inside the loss.

A model whose stop token never carries a label never learns to stop (endless repetition is the most reported
SFT failure; TRL checks for it too), so the labelled part is the answer *and* the template's end-of-turn
token (`<|im_end|>` for ChatML models such as SmolLM2, the tokenizer's EOS otherwise). Whatever the template
writes after that token (a newline) and every prompt token (system, user turns, the assistant header) get
-100. The prompt / answer border is found by rendering the conversation with and without the answer: the
text the answer adds, up to and including the end-of-turn token, is what the model learns to write.
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


def encode_example(
    tokenizer: Any, prompt: list[dict[str, str]], response: str, max_length: int
) -> dict[str, list[int]]:
    """input_ids, attention_mask and labels (-100 on the prompt) of one example, at most max_length long:
    an over-long example keeps the end of the prompt and the start of the answer (at least half the room)."""
    prompt_ids = list(
        tokenizer(render_prompt(tokenizer, prompt), add_special_tokens=False, verbose=False)["input_ids"]
    )
    answer_ids = list(
        tokenizer(answer_text(tokenizer, prompt, response), add_special_tokens=False, verbose=False)[
            "input_ids"
        ]
    )
    if len(prompt_ids) + len(answer_ids) > max_length:
        room = max(max_length // 2, max_length - len(prompt_ids))
        answer_ids = answer_ids[:room]
        prompt_ids = prompt_ids[len(prompt_ids) - (max_length - len(answer_ids)) :]
    return {
        "input_ids": prompt_ids + answer_ids,
        "attention_mask": [1] * (len(prompt_ids) + len(answer_ids)),
        "labels": [IGNORE] * len(prompt_ids) + answer_ids,
    }


def encode_prompt(tokenizer: Any, prompt: list[dict[str, str]], max_length: int) -> dict[str, list[int]]:
    """An unlabelled example (its prompt only), cut from the left to max_length."""
    ids = list(
        tokenizer(render_prompt(tokenizer, prompt), add_special_tokens=False, verbose=False)["input_ids"]
    )[-max_length:]
    return {"input_ids": ids, "attention_mask": [1] * len(ids)}
