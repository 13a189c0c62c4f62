"""Documents -> fixed-length training blocks (packing), for masked and causal language modelling.

All documents are tokenised, joined with a separator (BERT's [SEP], a decoder's EOS) and cut into blocks of
`max_length` tokens, the way transformers' run_mlm / run_clm examples "group texts": no padding is wasted
except in the last block.

Masked LM blocks carry what transformers' `DataCollatorForLanguageModeling(whole_word_mask=True)` reads to
find words: `offset_mapping` and `special_tokens_mask`. That collator starts a new word where a token's start
offset differs from the previous token's end, so Chinese text (no gaps between characters) would be one
"word" a sentence long. We therefore decide the words ourselves (the tokenizer's pre-tokenised words, with
every CJK character a word of its own) and write synthetic offsets that encode exactly those boundaries:
tokens of one word touch, a new word starts one position after the previous token's end.
"""

from __future__ import annotations

from typing import Any

from vertune.tasks.sentences import is_cjk


def word_starts(tokenizer: Any, text: str) -> tuple[list[int], list[bool]]:
    """The token ids of `text` (no special tokens) and whether each token starts a new word."""
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids: list[int] = encoding["input_ids"]
    offsets: list[tuple[int, int]] = encoding["offset_mapping"]
    words = encoding.word_ids() if tokenizer.is_fast else [None] * len(ids)
    starts = []
    for i, (start, end) in enumerate(offsets):
        piece = text[start:end]
        previous = text[offsets[i - 1][0] : offsets[i - 1][1]] if i else ""
        new_word = (
            i == 0
            or words[i] is None
            or words[i] != words[i - 1]
            or (bool(piece) and is_cjk(piece[0]))  # a CJK character is a word of its own
            or (bool(previous) and is_cjk(previous[-1]))
        )
        starts.append(new_word)
    return ids, starts


def separator_id(tokenizer: Any) -> int | None:
    for token_id in (tokenizer.sep_token_id, tokenizer.eos_token_id):
        if token_id is not None:
            return int(token_id)
    return None


def pack_mlm(tokenizer: Any, texts: list[str], max_length: int) -> list[dict[str, Any]]:
    """Masked-LM blocks: [CLS] tokens... [SEP] of `max_length`, with word boundaries as synthetic offsets."""
    sep = separator_id(tokenizer)
    stream: list[tuple[int, bool, bool]] = []  # (id, starts a word, special)
    for text in texts:
        ids, starts = word_starts(tokenizer, text)
        stream.extend((i, s, False) for i, s in zip(ids, starts, strict=True))
        if sep is not None:
            stream.append((sep, True, True))
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    opening = [int(start)] if start is not None else []
    closing = [sep] if sep is not None else []
    inner = max_length - len(opening) - len(closing)
    blocks = []
    for first in range(0, len(stream), inner):
        chunk = stream[first : first + inner]
        ids = opening + [token for token, _, _ in chunk] + closing
        special = [1] * len(opening) + [int(s) for _, _, s in chunk] + [1] * len(closing)
        offsets, position = [(0, 0)] * len(opening), 0
        for _, starts_word, is_special in chunk:
            if is_special:  # the document separator inside the stream
                offsets.append((0, 0))
                continue
            position += 2 if starts_word else 0
            offsets.append((position, position + 1))
            position += 1
        offsets += [(0, 0)] * len(closing)
        blocks.append(_padded(tokenizer, ids, special, offsets, max_length))
    return blocks


def _padded(
    tokenizer: Any, ids: list[int], special: list[int], offsets: list[tuple[int, int]], max_length: int
) -> dict[str, Any]:
    """Every block at `max_length` (the last one padded), so the collators stack them as they are."""
    missing = max_length - len(ids)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return {
        "input_ids": ids + [pad] * missing,
        "attention_mask": [1] * len(ids) + [0] * missing,
        "special_tokens_mask": special + [1] * missing,
        "offset_mapping": offsets + [(0, 0)] * missing,
    }


def pack_clm(tokenizer: Any, texts: list[str], max_length: int) -> list[dict[str, Any]]:
    """Causal-LM blocks of `max_length` with labels (the model shifts them); EOS ends every document and
    is learnt; padding in the last block carries no label."""
    eos = tokenizer.eos_token_id
    stream: list[int] = []
    encoded = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    for ids in encoded:
        stream.extend(ids)
        if eos is not None:
            stream.append(eos)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (eos or 0)
    blocks = []
    for first in range(0, len(stream), max_length):
        ids = stream[first : first + max_length]
        missing = max_length - len(ids)
        blocks.append(
            {
                "input_ids": ids + [pad] * missing,
                "attention_mask": [1] * len(ids) + [0] * missing,
                "labels": ids + [-100] * missing,
            }
        )
    return blocks


def pack(tokenizer: Any, texts: list[str], max_length: int, objective: str) -> list[dict[str, Any]]:
    return (
        pack_clm(tokenizer, texts, max_length)
        if objective == "clm"
        else pack_mlm(tokenizer, texts, max_length)
    )
