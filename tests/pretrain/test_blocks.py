"""Packing into blocks with the real MiniLM tokenizer, and whole-word masking through transformers'
collator: one CJK character is one word, a word's WordPiece pieces are masked together."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, DataCollatorForLanguageModeling

from vertune.pretrain.blocks import pack_clm, pack_mlm, word_starts


@pytest.fixture(scope="module")
def tokenizer(minilm_dir: Path):
    return AutoTokenizer.from_pretrained(minilm_dir)


def test_each_cjk_character_starts_a_word_and_pieces_continue_one(tokenizer) -> None:
    ids, starts = word_starts(tokenizer, "中国 unbelievably")
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens[:2] == ["中", "国"] and starts[:2] == [True, True]
    english = tokens[2:]
    assert len(english) > 1 and english[1].startswith("##")
    assert starts[2:] == [True] + [False] * (len(english) - 1)


def test_mlm_blocks_are_packed_to_max_length_with_separators(tokenizer) -> None:
    texts = [f"the tablets helped with pain number {i}" for i in range(20)]
    blocks = pack_mlm(tokenizer, texts, 32)
    assert len(blocks) > 1 and all(len(b["input_ids"]) == 32 for b in blocks)
    first = blocks[0]["input_ids"]
    assert first[0] == tokenizer.cls_token_id and first[-1] == tokenizer.sep_token_id
    assert tokenizer.sep_token_id in first[1:-1]  # documents share a block, separated
    assert blocks[-1]["attention_mask"][-1] in (0, 1)


def test_whole_word_masking_masks_all_pieces_of_a_word_and_single_cjk_characters(tokenizer) -> None:
    text = "中国人民 unbelievably"
    block = pack_mlm(tokenizer, [text], 16)[0]
    collate = DataCollatorForLanguageModeling(
        tokenizer, whole_word_mask=True, mlm_probability=0.5, mask_replace_prob=1.0, random_replace_prob=0.0
    )
    ids = block["input_ids"]
    real = [i for i, s in enumerate(block["special_tokens_mask"]) if not s]
    english = [i for i in real if tokenizer.convert_ids_to_tokens(ids[i]).isascii()]
    assert len(english) > 1 and len(real) == 4 + len(english)
    patterns = set()
    for seed in range(30):
        torch.manual_seed(seed)
        masked = collate([dict(block)])["labels"][0] != -100
        pieces = {bool(masked[i]) for i in english}
        assert len(pieces) == 1  # the English word's pieces: all masked or none
        patterns.add(tuple(bool(masked[i]) for i in real[:4]))
    # four CJK characters are four words: they are masked independently, not as one sentence-long word
    assert len(patterns) > 2


def test_clm_blocks_learn_the_end_of_each_document_and_never_the_padding(tokenizer) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tokenizer.name_or_path, eos_token="[SEP]")
    blocks = pack_clm(tokenizer, ["short one", "another short document"], 16)
    assert len(blocks) == 1
    ids, labels = blocks[0]["input_ids"], blocks[0]["labels"]
    real = sum(blocks[0]["attention_mask"])
    assert labels[:real] == ids[:real] and ids[:real].count(tokenizer.eos_token_id) == 2
    assert all(label == -100 for label in labels[real:])
