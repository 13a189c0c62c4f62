"""Training-data augmentation (`data.augment`): EDA without a synonym source (Wei & Zou 2019: random swap,
deletion and insertion of the text's own words; characters for Chinese / Japanese / Korean text).

Applied in the data stage after the split, to the training rows only (validation and test stay as they are),
seeded by the split seed. Each training row gets `factor` augmented copies on average (the fraction is drawn),
each with about `alpha` of its words changed; a copy keeps its row's label and line.
"""

from __future__ import annotations

import random
import re
from typing import Any

from vertune.errors import RecipeError

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def units(text: str) -> tuple[list[str], str]:
    """The pieces EDA moves (words; characters for mostly-CJK text) and how they are joined back."""
    if len(_CJK.findall(text)) > len(text) / 3:
        return list(text.replace(" ", "")), ""
    return text.split(), " "


def eda(text: str, rng: random.Random, alpha: float = 0.1) -> str:
    """One augmented copy: about alpha of the pieces swapped, deleted or inserted (a piece of the text
    itself, at a random place); the operation is drawn per change."""
    pieces, joiner = units(text)
    if len(pieces) < 2:
        return text
    for _ in range(max(1, round(alpha * len(pieces)))):
        operation = rng.choice(("swap", "delete", "insert"))
        if operation == "swap":
            i, j = rng.sample(range(len(pieces)), 2)
            pieces[i], pieces[j] = pieces[j], pieces[i]
        elif operation == "delete" and len(pieces) > 2:
            del pieces[rng.randrange(len(pieces))]
        else:
            pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(pieces))
    return joiner.join(pieces)


def augment_input(item: Any, rng: random.Random, alpha: float) -> Any:
    if isinstance(item, str):
        return eda(item, rng, alpha)
    if isinstance(item, tuple):  # a text pair: each text on its own
        return tuple(eda(x, rng, alpha) if isinstance(x, str) else x for x in item)
    raise RecipeError("data.augment works on whole texts (and text pairs), not on task ner's token lists")


def augment_train(train: Any, options: Any, task: str, seed: int) -> Any:
    """The training examples followed by their augmented copies; the same examples when `options` is None."""
    if options is None:
        return train
    if task == "ner":
        raise RecipeError("data.augment works on whole texts (and text pairs), not on task ner's token lists")
    rng = random.Random(seed)
    whole, fraction = int(options.factor), options.factor - int(options.factor)
    chosen = []
    for i in range(len(train)):
        chosen += [i] * (whole + (rng.random() < fraction))
    copies = train.select(chosen)
    copies.inputs = [augment_input(x, rng, options.alpha) for x in copies.inputs]
    return type(train)(
        train.source,
        train.inputs + copies.inputs,
        train.targets + copies.targets,
        train.lines + copies.lines if train.lines else [],
    )
