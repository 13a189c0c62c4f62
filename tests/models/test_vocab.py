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


def test_byte_level_terms_are_read_as_text_and_their_rows_train_in_the_tied_lm_head(smollm2_dir, tmp_path):
    """SmolLM2 (byte-level BPE, no [UNK], LM head tied to the embeddings) under LoRA: a term file's words
    are added as written (not as `Ġ`-mangled bytes), and the new rows, frozen by LoRA, still train."""
    from transformers import AutoModelForCausalLM

    from vertune.generation.encoding import encode_example
    from vertune.methods import build_method
    from vertune.recipe import recipe_from_dict

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    assert vocab.unknown_words(tokenizer, ["Nexplanon 布洛芬 works"], 1) == []  # nothing is [UNK]
    terms = tmp_path / "terms.txt"
    terms.write_text("Nexplanon\n布洛芬\nthe\n", encoding="utf-8")
    planned = vocab.terms_from_file(tokenizer, terms)
    assert planned == ["Nexplanon", "布洛芬"]
    old_pieces = tokenizer("Nexplanon", add_special_tokens=False)["input_ids"]
    extension = vocab.extend_tokenizer(tokenizer, planned)
    ids = tokenizer("I took Nexplanon", add_special_tokens=False)["input_ids"]
    assert ids[-1] == extension.first_id and tokenizer.decode(ids) == "I took Nexplanon"

    model = AutoModelForCausalLM.from_pretrained(smollm2_dir)
    old = model.get_input_embeddings().weight.detach().clone()
    vocab.resize_embeddings(model, extension)
    weight = model.get_input_embeddings().weight
    assert model.get_output_embeddings().weight is weight  # still tied
    assert weight.shape[0] == len(tokenizer) and model.config.vocab_size == len(tokenizer)
    assert torch.allclose(weight[extension.first_id], old[old_pieces].mean(0))
    recipe = recipe_from_dict(
        {"model": "smollm2", "task": "generation", "data": {"train": "x.jsonl"}, "method": {"name": "lora"}}
    )
    model = build_method(recipe.method, total_steps=1).prepare(model)
    [keep_old_rows] = vocab.train_new_rows(model, extension)
    assert keep_old_rows.frozen_parameters == extension.first_id * weight.shape[1]
    feature = encode_example(tokenizer, [{"role": "user", "content": "Which pill?"}], "Nexplanon", 32)
    model(**{k: torch.tensor([v]) for k, v in feature.items()}).loss.backward()
    assert weight.grad is not None
    assert weight.grad[: extension.first_id].abs().sum() == 0
    assert weight.grad[extension.first_id].abs().sum() > 0  # written in the answer: trained through the head


def test_an_untied_lm_head_grows_with_initialised_rows_that_train():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=40,
        hidden_size=8,
        intermediate_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    head = model.get_output_embeddings().weight
    old_head = head.detach().clone()
    extension = vocab.VocabExtension(["new", "other"], [[3, 4], []], first_id=40)
    vocab.resize_embeddings(model, extension)
    head = model.get_output_embeddings().weight
    assert head.shape[0] == 42 and head is not model.get_input_embeddings().weight
    assert torch.allclose(head[40], old_head[[3, 4]].mean(0))
    assert not torch.allclose(head[41], head[40])
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    callbacks = vocab.train_new_rows(model, extension)
    assert sum(c.frozen_parameters for c in callbacks) == 2 * 40 * 8
    before = head.detach().clone()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-1)
    ids = torch.tensor([[1, 40, 41, 2]])
    model(input_ids=ids, labels=ids).loss.backward()
    optimizer.step()
    for callback in callbacks:
        callback.on_step_end(None, None, None)
    assert torch.equal(head[:40], before[:40]) and not torch.equal(head[40:], before[40:])
