"""A run's ancestors and their data, read back from the lineage files.

Each run's lineage.json names its parent (`parent_run`) and the data files it was trained on with their
sha256. The chain parent -> grandparent -> ... gives every ancestor; a derived run that trained on no data of
its own (a compressed run: same files as its parent) is not counted twice. An ancestor's own splits are
reproduced from its recipe after the sha256 check, so replay and retention use exactly the rows it saw.
Torch-free."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vertune.data.prepare import Splits, prepare_splits
from vertune.errors import RunDirError
from vertune.run import RunDir


@dataclass
class Ancestor:
    run: RunDir
    test_set: (
        str  # the key of its test split in `retention`: the test file's path, or train's + " (test split)"
    )


def test_set_name(run: RunDir) -> str:
    """The key of a run's own test split: its test file as the recipe gives it, else its training file's
    path marked as the split carved from it."""
    data = run.load_recipe().data
    return str(data.test) if data.test is not None else f"{data.train} (test split)"


def ancestors(parent: RunDir) -> list[Ancestor]:
    """`parent` and every run before it, oldest first; runs that share their predecessor's training data
    (compressed runs) are skipped."""
    chain: list[Ancestor] = []
    seen_runs: set[Path] = set()
    seen_data: set[str] = set()
    run: RunDir | None = parent
    while run is not None:
        path = run.path.resolve()
        if path in seen_runs:
            raise RunDirError(f"{run.path}: its lineage.json names itself as an ancestor")
        seen_runs.add(path)
        if not run.recipe_path.is_file():
            raise RunDirError(
                f"{run.path}: an ancestor named in lineage.json is gone (no recipe.yaml); "
                "restore it or pass --no-replay"
            )
        lineage = run.load_lineage()
        train = lineage.get("data", {}).get("train", {})
        key = str(train.get("sha256") or train.get("path") or path)
        if key not in seen_data:
            seen_data.add(key)
            chain.append(Ancestor(run, test_set_name(run)))
        previous = lineage.get("parent_run")
        run = RunDir(previous) if previous else None
    return chain[::-1]


def ancestor_splits(ancestor: Ancestor) -> Splits:
    """The ancestor's own train / validation / test rows, as it trained on them; a changed or missing file
    is a DataError naming it (see RunDir.check_data_files)."""
    run = ancestor.run
    run.check_data_files()
    return prepare_splits(run.load_recipe(), run.load_task())
