"""Vocabulary extension: add the words a tokenizer maps to [UNK] (or a user's terms) as new tokens.

`model.extend_vocab: from_data` adds every word of the training split (as the tokenizer's normaliser and
pre-tokenizer cut it: one CJK character, one word, one punctuation mark) that contains [UNK] and occurs at
least `extend_vocab_min_frequency` times; `model.extend_vocab: FILE` adds the terms of a file (one a line)
that are not single tokens yet, such as domain jargon the model splits into many pieces.

New tokens are added normalised (lower-cased and accent-stripped for an uncased model), so they match the
normalised text the tokenizer sees. Each new embedding row starts as the mean of the token's old pieces
(without [UNK]); a token without pieces (a CJK character that was [UNK]) starts at the mean of all old rows
plus Gaussian noise with the old rows' per-dimension standard deviation, so that new tokens differ from each
other from the first step (torch's seeded RNG: the same seed gives the same rows). The new rows always train: when the
method freezes the embeddings, the matrix is made trainable with the old rows' gradients zeroed and their
values restored after each optimizer step (so weight decay does not move them either).

Causal LMs (`task: generation`): the LM head grows with the embeddings. A tied head (SmolLM2) is the same
matrix; an untied one gets its new rows initialised and trained the same way, since a new token can only be
written through its head row. A byte-level BPE tokenizer (GPT-2, Llama 3, SmolLM2) has no [UNK], so
`from_data` finds nothing to add: list the domain terms in a file instead. An added term is matched on the
raw text, so the space before it stays a token of its own (` Nexplanon` -> `Ġ`, `Nexplanon`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.errors import DataError, Problem
from vertune.recipe import ModelConfig


@dataclass
class VocabExtension:
    tokens: list[str]  # the added tokens, in id order
    pieces: list[list[int]]  # each token's ids under the original tokenizer, [UNK] left out
    first_id: int  # the id of the first added token

    def __len__(self) -> int:
        return len(self.tokens)

    def summary(self) -> dict[str, Any]:
        from_pieces = sum(1 for p in self.pieces if p)
        return {
            "added_tokens": len(self.tokens),
            "initialised_from_pieces": from_pieces,
            "initialised_from_mean": len(self.tokens) - from_pieces,
            "examples": self.tokens[:20],
        }


def words(tokenizer: Any, texts: Iterable[str]) -> list[str]:
    """The words the tokenizer cuts texts into before WordPiece / BPE (after its normaliser), as text: a
    byte-level BPE pre-tokenizer (GPT-2, Llama 3, SmolLM2) maps bytes to symbols (`Ġword`, mangled CJK), so
    each word is read back from its offsets in the normalised text, without the space before it."""
    backend = tokenizer.backend_tokenizer
    normalize = backend.normalizer.normalize_str if backend.normalizer else (lambda s: s)
    split = backend.pre_tokenizer.pre_tokenize_str if backend.pre_tokenizer else None
    found: list[str] = []
    for text in texts:
        normal = normalize(text)
        pieces = split(normal) if split else [(normal, (0, len(normal)))]
        found += [word for _, (start, end) in pieces if (word := normal[start:end].strip())]
    return found


def _piece_ids(tokenizer: Any, items: list[str]) -> list[list[int]]:
    if not items:
        return []
    return tokenizer(items, add_special_tokens=False, verbose=False)["input_ids"]


def unknown_words(tokenizer: Any, texts: Iterable[str], min_frequency: int) -> list[str]:
    """Words that contain [UNK] and occur at least `min_frequency` times, most frequent first."""
    counts = Counter(words(tokenizer, texts))
    candidates = [word for word, n in counts.most_common() if n >= min_frequency]
    unk = tokenizer.unk_token_id
    return [w for w, ids in zip(candidates, _piece_ids(tokenizer, candidates), strict=True) if unk in ids]


def terms_from_file(tokenizer: Any, path: str | Path) -> list[str]:
    """A file's terms (one a line; blank lines and # comments skipped) that are not single tokens yet."""
    path = Path(path)
    if not path.is_file():
        raise DataError(
            [
                Problem(
                    str(path), None, "vocabulary file not found", "fix model.extend_vocab (or use from_data)"
                )
            ]
        )
    terms: list[str] = []
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        term = line.strip()
        if not term or term.startswith("#"):
            continue
        found = words(tokenizer, [term])
        if len(found) != 1:
            problems.append(
                Problem(
                    str(path), number, f"{term!r} is not one word", "write one term a line, without spaces"
                )
            )
            continue
        terms.append(found[0])
    if problems:
        raise DataError(problems)
    unique = list(dict.fromkeys(terms))
    return [t for t, ids in zip(unique, _piece_ids(tokenizer, unique), strict=True) if len(ids) != 1]


def plan(config: ModelConfig, tokenizer: Any, train_texts: Iterable[str]) -> list[str]:
    """The tokens `model.extend_vocab` asks for (nothing when it is off)."""
    if config.extend_vocab is None:
        return []
    if config.extend_vocab == "from_data":
        return unknown_words(tokenizer, train_texts, config.extend_vocab_min_frequency)
    return terms_from_file(tokenizer, config.extend_vocab)


def extend_tokenizer(tokenizer: Any, tokens: list[str]) -> VocabExtension:
    """Add `tokens` to the tokenizer in place; remember their old pieces for the embedding initialisation."""
    from transformers import AddedToken

    from vertune.tasks.sentences import is_cjk

    known = tokenizer.get_vocab()
    tokens = [t for t in dict.fromkeys(tokens) if t not in known]
    unk = tokenizer.unk_token_id
    pieces = [[i for i in ids if i != unk] for ids in _piece_ids(tokenizer, tokens)]
    first_id = len(tokenizer)
    # single_word keeps a term from matching inside a longer word; CJK has no word boundaries to respect.
    tokenizer.add_tokens([AddedToken(t, normalized=True, single_word=not is_cjk(t)) for t in tokens])
    return VocabExtension(tokens, pieces, first_id)


def _new_rows(old: Any, extension: VocabExtension) -> Any:
    """The new tokens' rows of a (vocabulary x dimension) matrix whose first rows are `old`: each the mean
    of its old pieces, or (no pieces) the mean of all old rows plus noise at their per-dimension spread."""
    import torch

    rows = old[: extension.first_id]
    mean, spread = rows.mean(dim=0), rows.std(dim=0)
    # Identical rows would make the new tokens indistinguishable (measured on MSRA: PER and ORG F1 stayed
    # at 0); noise at the old rows' own per-dimension spread tells them apart.
    return torch.stack(
        [old[ids].mean(dim=0) if ids else mean + torch.randn_like(mean) * spread for ids in extension.pieces]
    )


def _output_matrix(model: Any) -> Any:
    """The LM head's weight when it is a matrix of its own (an untied causal / masked LM), else None."""
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    weight = getattr(output, "weight", None)
    if weight is None or weight is model.get_input_embeddings().weight:
        return None
    return weight


def resize_embeddings(model: Any, extension: VocabExtension) -> None:
    """Grow the input embeddings (and an LM head, tied or not) by the new tokens; each new row = mean of
    its old pieces (or of all rows)."""
    import torch

    if not extension.tokens:
        return
    if model.get_input_embeddings().weight.shape[0] == extension.first_id + len(extension):
        return  # grown already: a model pre-trained with this extension (vertune.pretrain.inline)
    old = model.get_input_embeddings().weight.detach().clone()
    old_output = _output_matrix(model)
    old_output = old_output.detach().clone() if old_output is not None else None
    # A tied LM head is resized with the embeddings and stays tied (transformers re-ties it).
    model.resize_token_embeddings(extension.first_id + len(extension), mean_resizing=False)
    end = extension.first_id + len(extension)
    with torch.no_grad():
        model.get_input_embeddings().weight[extension.first_id : end] = _new_rows(old, extension)
        output = _output_matrix(model)
        if output is not None and old_output is not None and output.shape[0] >= end:
            output[extension.first_id : end] = _new_rows(old_output, extension)


def train_new_rows(model: Any, extension: VocabExtension | None) -> list[Any]:
    """Make sure the new rows train (of the embeddings and of an untied LM head, whose rows are what lets
    a causal LM write the new tokens); returns the trainer callbacks that keep the old rows frozen, if any."""
    import torch
    from transformers import TrainerCallback

    if extension is None or not extension.tokens:
        return []
    first = extension.first_id
    frozen: list[tuple[Any, Any]] = []  # (matrix, its old rows) of each matrix the method had frozen
    for weight in (model.get_input_embeddings().weight, _output_matrix(model)):
        if weight is None or weight.requires_grad:  # the method trains the whole matrix already
            continue
        weight.requires_grad_(True)
        mask = torch.zeros(weight.shape[0], 1, dtype=weight.dtype)
        mask[first:] = 1
        weight.register_hook(lambda grad, mask=mask: grad * mask.to(grad.device, grad.dtype))
        frozen.append((weight, weight.detach()[:first].clone()))
    if not frozen:
        return []

    class KeepOldRows(TrainerCallback):
        # trainable in torch's eyes, never changed
        frozen_parameters = sum(rows.numel() for _, rows in frozen)

        def on_step_end(self, args, state, control, **kwargs):  # after the optimizer step
            with torch.no_grad():
                for weight, rows in frozen:
                    weight[:first].copy_(rows.to(weight.device, weight.dtype))

    return [KeepOldRows()]


def unknown_share(tokenizer: Any, texts: list[str]) -> dict[str, Any]:
    """How many of the tokens the model reads are [UNK]."""
    unk = tokenizer.unk_token_id
    ids = _piece_ids(tokenizer, [t for t in texts if t])
    total = sum(len(row) for row in ids)
    unknown = sum(row.count(unk) for row in ids)
    return {"tokens": total, "unknown": unknown, "share": round(unknown / total, 4) if total else 0.0}
