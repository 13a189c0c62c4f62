"""RunDir: the on-disk layout of one run, the contract between training and every later stage.

    runs/<name>/
      recipe.yaml  model/  labels.json  metrics.json  report.md  report.html  plots/
      log.jsonl  checkpoints/  lineage.json
      onnx/  runtime.json    (written by `vertune export` / `vertune compress`)

Every file is written atomically (temporary file, then rename), and `model/` is swapped in whole, so a
killed run never leaves a half-written model that loads.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vertune.errors import RunDirError


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

    def load_recipe(self):  # -> Recipe (imported lazily to keep this module light)
        import yaml

        from vertune.recipe import recipe_from_dict

        return recipe_from_dict(
            yaml.safe_load(self.recipe_path.read_text(encoding="utf-8")), str(self.recipe_path)
        )

    def load_labels(self) -> list[str]:
        return list(read_json(self.labels_path)["labels"])

    def load_task_state(self) -> dict[str, Any]:
        return read_json(self.task_state_path) if self.task_state_path.is_file() else {}

    def load_metrics(self) -> dict[str, Any]:
        return read_json(self.metrics_path) if self.metrics_path.is_file() else {}
