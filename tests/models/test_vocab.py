"""Vocabulary extension with the real MiniLM: which tokens are added, how new rows start, that they train."""

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

from vertune.methods.freeze import FreezeLowerLayers
from vertune.models import vocab
from vertune.recipe import ModelConfig

TEXTS = ["我在北京见到了张三", "张三在上海", "pembrolizumab works"]


def test_from_data_adds_unknown_cjk_characters_only(minilm_dir):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    before = vocab.unknown_share(tokenizer, TEXTS)
    assert before["unknown"] > 0
    planned = vocab.plan(
        ModelConfig(name="minilm", extend_vocab="from_data", extend_vocab_min_frequency=1), tokenizer, TEXTS
    )
    assert planned and all(len(t) == 1 for t in planned)  # CJK characters, not the English words
    assert "北" not in planned  # already in the vocabulary
    extension = vocab.extend_tokenizer(tokenizer, planned)
    assert len(tokenizer) == extension.first_id + len(extension)
    assert vocab.unknown_share(tokenizer, TEXTS)["unknown"] == 0


def test_min_frequency(minilm_dir):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    config = ModelConfig(name="minilm", extend_vocab="from_data", extend_vocab_min_frequency=2)
    assert set(vocab.plan(config, tokenizer, TEXTS)) <= set("张三在")


def test_terms_from_file_start_from_their_pieces_and_are_lowercased(minilm_dir, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    terms = tmp_path / "terms.txt"
    terms.write_text("# oncology\nPembrolizumab\n\nthe\n", encoding="utf-8")
    planned = vocab.terms_from_file(tokenizer, terms)
    assert planned == ["pembrolizumab"]  # "the" is one token already
    old_pieces = tokenizer("pembrolizumab", add_special_tokens=False)["input_ids"]
    extension = vocab.extend_tokenizer(tokenizer, planned)
    assert tokenizer("Pembrolizumab works", add_special_tokens=False)["input_ids"][0] == extension.first_id
    model = AutoModelForTokenClassification.from_pretrained(minilm_dir, num_labels=3)
    old = model.get_input_embeddings().weight.detach().clone()
    vocab.resize_embeddings(model, extension)
    new = model.get_input_embeddings().weight
    assert new.shape[0] == len(tokenizer)
    assert torch.allclose(new[extension.first_id], old[old_pieces].mean(0))


def test_new_rows_train_under_frozen_embeddings_and_old_rows_stay(minilm_dir):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    extension = vocab.extend_tokenizer(tokenizer, ["在", "见"])
    model = AutoModelForTokenClassification.from_pretrained(minilm_dir, num_labels=3)
    vocab.resize_embeddings(model, extension)
    weight = model.get_input_embeddings().weight
    # no old pieces: around the mean embedding, at the old rows' scale, and different from each other
    old_rows, new_rows = weight[: extension.first_id], weight[extension.first_id :]
    assert not torch.allclose(new_rows[0], new_rows[1])
    assert (new_rows.mean(0) - old_rows.mean(0)).abs().max() < 0.2
    assert 0.5 < new_rows.std() / old_rows.std() < 2
    model = FreezeLowerLayers(2, embeddings=True).prepare(model)
    [keep_old_rows] = vocab.train_new_rows(model, extension)
    assert keep_old_rows.frozen_parameters == extension.first_id * weight.shape[1]
    before = weight.detach().clone()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2, weight_decay=0.1
    )
    batch = tokenizer(["我在见他"], return_tensors="pt")
    loss = model(**batch, labels=torch.zeros_like(batch["input_ids"])).loss
    loss.backward()
    optimizer.step()
    keep_old_rows.on_step_end(None, None, None)
    assert torch.equal(weight[: extension.first_id], before[: extension.first_id])
    assert not torch.equal(weight[extension.first_id :], before[extension.first_id :])
