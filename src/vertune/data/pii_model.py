"""Names of people and places found by a trained NER run, for redaction (`data.redact_model: runs/ner-x`).

The run's `Predictor` tags each text; its entity types map to the redaction types `person` (PER, PERSON,
...) and `location` (LOC, GPE, ...). Texts are tagged in batches (`prefetch`) and remembered, so a split
is one pass through the model. The loaded predictor is shared by every redactor of the same run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from vertune.errors import RecipeError

Span = tuple[int, int, str, str]  # start, end, type, value
#: entity labels of common NER corpora (CoNLL, OntoNotes, MSRA, People's Daily, WNUT) per redaction type
ENTITY_LABELS = {
    "person": {"PER", "PERSON", "PEOPLE", "NR", "PER.NAM", "PER.NOM"},
    "location": {"LOC", "LOCATION", "GPE", "NS", "FAC", "LOC.NAM", "GPE.NAM", "LOC.NOM"},
}


@lru_cache(maxsize=4)
def _predictor(path: str) -> Any:
    from vertune.models.predictor import Predictor
    from vertune.run import RunDir

    run = RunDir(path)
    if not (run.path / "recipe.yaml").is_file():
        raise RecipeError(f"data.redact_model {path}: not a run directory (no recipe.yaml); train a ner run")
    task = run.load_recipe().task
    if task != "ner":
        raise RecipeError(f"data.redact_model {path}: a run of task {task}; it must be a ner run")
    return Predictor.from_run(path)


class EntityFinder:
    """Matches of `person` / `location` in texts, from a NER run's predictions."""

    def __init__(self, run: str | Path, types: Sequence[str]):
        self.run = str(Path(run).resolve())
        self.predictor = _predictor(self.run)
        self.wanted = {label: t for t in types for label in self._labels_of(t)}
        self.cache: dict[str, list[Span]] = {}

    def _labels_of(self, kind: str) -> list[str]:
        from vertune.tasks.tagging import split_tag

        types = sorted({split_tag(tag)[1] for tag in self.predictor.labels if tag != "O"})
        found = [label for label in types if label.upper() in ENTITY_LABELS[kind]]
        if not found:
            raise RecipeError(
                f"data.redact_model {self.run}: its entity types ({', '.join(types)}) have "
                f"none for {kind} (one of {', '.join(sorted(ENTITY_LABELS[kind]))})"
            )
        return found

    def prefetch(self, texts: Iterable[str]) -> None:
        """Tag every text not seen yet, in batches."""
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if not new:
            return
        tagged = [t for t in new if t.strip()]
        predictions = self.predictor.predict(tagged, quiet=True) if tagged else []
        for text in new:
            self.cache[text] = []
        for text, prediction in zip(tagged, predictions, strict=True):
            self.cache[text] = [
                (e["start"], e["end"], self.wanted[e["label"]], text[e["start"] : e["end"]])
                for e in prediction["entities"]
                if e["label"] in self.wanted and e["end"] > e["start"]
            ]

    def __call__(self, text: str) -> list[Span]:
        if text not in self.cache:
            self.prefetch([text])
        return self.cache[text]
