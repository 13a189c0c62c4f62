"""RunDir: the on-disk layout of one run, the contract between training and every later stage.

    runs/<name>/
      recipe.yaml  model/  labels.json  metrics.json  report.md  report.html  plots/
      log.jsonl  checkpoints/  lineage.json
      onnx/  runtime.json    (written by `vertune export` / `vertune compress`)

Every file is written atomically (temporary file, then rename), and `model/` is swapped in whole, so a
killed run never leaves a half-written model that loads.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertune.errors import DataError, Problem, RunDirError

if TYPE_CHECKING:
    from vertune.recipe import DataConfig, Recipe
    from vertune.tasks.base import Task

#: What belongs with a model and travels into a run derived from it (compress, continue). A vocabulary
#: extension needs no file of its own: the extended tokenizer is saved in model/.
INHERITED_FILES = ("recipe.yaml", "labels.json", "task.json")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; the user's umask should decide
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def labels_file(labels: list[str]) -> dict[str, Any]:
    """The content of labels.json."""
    return {"labels": labels, "label2id": {label: i for i, label in enumerate(labels)}}


class RunDir:
    """One run's directory. Creating the object touches nothing on disk."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # The layout, in one place.
    @property
    def recipe_path(self) -> Path:
        return self.path / "recipe.yaml"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def labels_path(self) -> Path:
        return self.path / "labels.json"

    @property
    def task_state_path(self) -> Path:
        """What the task learnt besides the weights (target scaling, label thresholds); may be absent."""
        return self.path / "task.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.json"

    @property
    def report_md(self) -> Path:
        return self.path / "report.md"

    @property
    def report_html(self) -> Path:
        return self.path / "report.html"

    @property
    def plots_dir(self) -> Path:
        return self.path / "plots"

    @property
    def log_path(self) -> Path:
        return self.path / "log.jsonl"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def lineage_path(self) -> Path:
        return self.path / "lineage.json"

    @property
    def onnx_dir(self) -> Path:
        return self.path / "onnx"

    @property
    def runtime_path(self) -> Path:
        """Which runtime serves this run (`torch`, `torch-int8`, `onnx`, `onnx-int8`); absent means torch."""
        return self.path / "runtime.json"

    def create(self) -> RunDir:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def save_model(self, save: Callable[[Path], None]) -> None:
        """Call `save(tmp_dir)`, then swap the finished directory in for `model/` in one rename."""
        staging = Path(tempfile.mkdtemp(dir=self.path, prefix=".model."))
        try:
            save(staging)
            old = self.path / ".model.old"
            if old.exists():
                shutil.rmtree(old)
            if self.model_dir.exists():
                os.replace(self.model_dir, old)
            os.replace(staging, self.model_dir)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def latest_checkpoint(self) -> Path | None:
        """The newest complete checkpoint (one whose trainer state was written), for --resume."""
        if not self.checkpoints_dir.is_dir():
            return None
        complete = [
            c
            for c in self.checkpoints_dir.glob("checkpoint-*")
            if (c / "trainer_state.json").is_file() and c.name.split("-")[-1].isdigit()
        ]
        return max(complete, key=lambda c: int(c.name.split("-")[-1]), default=None)

    def append_log(self, record: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def read_log(self) -> list[dict[str, Any]]:
        if not self.log_path.is_file():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]

    def require_model(self) -> RunDir:
        """Fail with a clear message unless this is a finished run with a loadable model."""
        if not self.path.is_dir():
            raise RunDirError(f"{self.path}: no such run directory")
        for needed in (self.recipe_path, self.labels_path, self.model_dir / "config.json"):
            if not needed.exists():
                raise RunDirError(
                    f"{self.path}: not a finished run ({needed.name} is missing); "
                    "train it with `vertune train` or resume it with --resume"
                )
        return self

    def load_recipe(self) -> Recipe:  # imported lazily to keep this module light
        import yaml

        from vertune.recipe import recipe_from_dict

        # libyaml's safe loader where installed: the saved recipe (every option written out) parses in about
        # 1 ms instead of 8, and `vertune predict` reads it several times
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        text = self.recipe_path.read_text(encoding="utf-8")
        return recipe_from_dict(yaml.load(text, Loader=loader), str(self.recipe_path))

    def load_labels(self) -> list[str]:
        return list(read_json(self.labels_path)["labels"])

    def load_task_state(self) -> dict[str, Any]:
        return read_json(self.task_state_path) if self.task_state_path.is_file() else {}

    def load_metrics(self) -> dict[str, Any]:
        return read_json(self.metrics_path) if self.metrics_path.is_file() else {}

    def load_lineage(self) -> dict[str, Any]:
        return read_json(self.lineage_path) if self.lineage_path.is_file() else {}

    def load_task(self, data: DataConfig | None = None) -> Task:
        """The run's task, the one place it is built: the saved recipe's task with its `data` options (pair
        target, label delimiter, columns, long texts; `data` replaces them, e.g. with other column names)
        and the state it learnt (task.json: target scaling, thresholds)."""
        from vertune.tasks import get_task

        recipe = self.load_recipe()
        task = get_task(recipe.task, data or recipe.data)
        task.load_state(self.load_task_state())
        return task

    def inherit(self, parent: RunDir) -> RunDir:
        """Make this run a derived run of `parent`: copy what belongs with the model (INHERITED_FILES) and
        record the parent in lineage.json (the parent's data hashes, seed and model kept)."""
        self.create()
        for name in INHERITED_FILES:
            if (parent.path / name).is_file():
                shutil.copy2(parent.path / name, self.path / name)
        from vertune.hardware import machine_info  # imports torch

        lineage = {
            **parent.load_lineage(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": sys.argv,
            "parent_run": str(parent.path.resolve()),
            "machine": machine_info(),
        }
        write_json_atomic(self.lineage_path, lineage)
        return self

    def check_data_files(self, roles: tuple[str, ...] = ("train", "validation", "test")) -> None:
        """Fail with a DataError naming each data file that changed or vanished since the run was trained
        (its sha256 differs from the one lineage.json recorded)."""
        problems = []
        for role, entry in self.load_lineage().get("data", {}).items():
            if role not in roles or "sha256" not in entry:
                continue
            path = Path(entry["path"])
            fix = "restore the file the run was trained on, or pass --data with a labelled file"
            if not path.is_file():
                problems.append(Problem(str(path), None, f"the {role} file of {self.path} is gone", fix))
            elif sha256_file(path) != entry["sha256"]:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        f"the {role} file changed since {self.path} was trained "
                        "(its sha256 differs from lineage.json)",
                        fix,
                    )
                )
        if problems:
            raise DataError(problems)
