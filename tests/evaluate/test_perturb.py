"""Seeded perturbations keep targets valid and change what they claim to change."""

from __future__ import annotations

from vertune.evaluate import perturb
from vertune.tasks.sentences import from_tokens


def test_text_perturbations_are_seeded_and_do_what_they_say() -> None:
    texts = ["The pills gave me a headache, twice!", "Works well; no side effects."]
    first = perturb.perturb_texts("typos_10", texts, ["a", "b"], seed=3)
    assert first.inputs == perturb.perturb_texts("typos_10", texts, ["a", "b"], seed=3).inputs
    assert first.targets == ["a", "b"]
    assert perturb.perturb_texts("casing", texts, [0, 1], 0).inputs[0] == texts[0].upper()
    assert "," not in perturb.perturb_texts("no_punctuation", texts, [0, 1], 0).inputs[0]
    wide = perturb.perturb_texts("full_width", texts, [0, 1], 0).inputs[0]
    assert wide.startswith("Ｔｈｅ\u3000") and perturb.half_width(wide) == texts[0]
    spaced = perturb.perturb_texts("extra_whitespace", texts, [0, 1], 0).inputs[0]
    assert spaced.split() == texts[0].split() and spaced != texts[0]
    pairs = perturb.perturb_texts("casing", [("a b", "c")], [1], 0)
    assert pairs.inputs == [("A B", "C")] and pairs.changed == 1.0


def test_ner_perturbations_keep_tags_aligned_and_swap_entities_of_the_same_type() -> None:
    sentences = [
        from_tokens(["张", "三", "去", "北", "京", "。"]),
        from_tokens(["李", "四", "在", "上", "海"]),
    ]
    tags = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]]
    swapped = perturb.perturb_sentences("entity_swap", sentences, tags, seed=0)
    assert swapped.targets == tags
    assert swapped.inputs[0].tokens == ("李", "四", "去", "上", "海", "。")
    dropped = perturb.perturb_sentences("no_punctuation", sentences, tags, seed=0)
    assert dropped.inputs[0].tokens == ("张", "三", "去", "北", "京") and dropped.targets[0] == tags[0][:5]
    assert dropped.kept is not None and dropped.kept[0] == [0, 1, 2, 3, 4]
    typos = perturb.perturb_sentences("typos_10", sentences, tags, seed=1)
    assert all(len(s.tokens) == len(t) for s, t in zip(typos.inputs, typos.targets, strict=True))
    assert all(token for s in typos.inputs for token in s.tokens)
