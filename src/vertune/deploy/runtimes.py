"""Runtimes that serve a run: torch (fp32 / bf16), torch dynamic int8, ONNX Runtime (fp32 / int8).

Each is a `RunPredictor` (models/predictor.py) whose `outputs` (one row per encoded feature) is the only thing
that changes, so the task's encoding, window merging and decoding are the same on every runtime, for every
task. This module imports neither torch nor transformers: for the tasks over whole texts the ONNX Runtime
predictor reads the tokenizer with the `tokenizers` library (models/tokenizer_json.py) and pads with numpy,
so `vertune predict RUN --backend onnx` starts in a fraction of torch's time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from vertune.errors import RunDirError, VertuneError
from vertune.models.batching import batched_rows, pad_arrays
from vertune.models.predictor import Predictor, RunPredictor
from vertune.run import RunDir, read_json
from vertune.tasks.base import Task

RUNTIMES = ("torch", "torch-int8", "onnx", "onnx-int8")
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model.int8.onnx"}


class TorchInt8Predictor(Predictor):
    """The run's model with every Linear layer dynamically quantised to int8 (weights int8, activations
    quantised per batch); a deterministic function of the fp32 weights, so it is applied at load time."""

    @classmethod
    def from_run(cls, run_path: str | Path, precision: str = "fp32", batch_size: int = 64) -> Predictor:
        import torch

        from vertune.deploy.quantize import quantize_torch_dynamic

        run = RunDir(run_path).require_model()
        tokenizer, task, labels, max_length = cls.run_parts(run)
        model = quantize_torch_dynamic(task.load_trained(str(run.model_dir)))
        return cls(model, tokenizer, task, labels, max_length, "fp32", batch_size, torch.device("cpu"))


class OnnxPredictor(RunPredictor):
    """An ONNX Runtime session on the CPU in place of the torch model; batches padded with numpy."""

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        task: Task,
        labels: list[str],
        max_length: int,
        batch_size: int = 64,
    ):
        super().__init__(tokenizer, task, labels, max_length, batch_size)
        self.session = session
        self.input_names = [i.name for i in session.get_inputs()]

    @classmethod
    def from_run(
        cls, run_path: str | Path, precision: str = "fp32", batch_size: int = 64, file: str = "model.onnx"
    ) -> OnnxPredictor:
        run = RunDir(run_path).require_model()
        path = run.onnx_dir / file
        if not path.is_file():
            flag = " --int8" if "int8" in file else ""
            raise RunDirError(f"{path}: no ONNX model; run `vertune export {run.path}{flag}` first")
        return cls(onnx_session(path), *cls.run_parts(run), batch_size=batch_size)

    @staticmethod
    def load_tokenizer(run: RunDir, task: Task) -> Any:
        """The tasks over whole texts read tokenizer.json directly (no transformers, no torch); others (NER's
        pre-split words) use transformers' tokenizer."""
        from vertune.models.tokenizer_json import JsonTokenizer
        from vertune.tasks.text import TextTask

        if isinstance(task, TextTask) and (run.model_dir / "tokenizer.json").is_file():
            return JsonTokenizer.from_dir(run.model_dir)
        return RunPredictor.load_tokenizer(run, task)

    def outputs(self, features: list[dict[str, Any]], quiet: bool = True) -> list[np.ndarray]:
        def rows_of(rows: list[dict[str, Any]]) -> np.ndarray:
            feeds = pad_arrays(rows, self.input_names, self.tokenizer)
            return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)

        return batched_rows(features, rows_of, self.batch_size, quiet=quiet)


def onnx_session(path: Path, threads: int | None = None) -> Any:
    """A CPU session with all graph optimisations, on `threads` threads (default: torch's count, read from
    OMP_NUM_THREADS without importing torch; unset: ONNX Runtime's own, one per physical core, as torch)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or _omp_threads()
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _omp_threads() -> int:
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() else 0


def run_runtime(run_path: str | Path) -> str:
    """The runtime a run was made for (runtime.json, written by compress); torch when absent."""
    run = RunDir(run_path)
    return str(read_json(run.runtime_path)["runtime"]) if run.runtime_path.is_file() else "torch"


def resolve_runtime(requested: str | None, own: str) -> str:
    """`--backend onnx` / `torch` on a run made for int8 means its int8 variant of that runtime."""
    if requested is None or (own.startswith(f"{requested}-")):
        return own
    if requested not in RUNTIMES:
        raise VertuneError(f"unknown runtime {requested!r}; use one of {', '.join(RUNTIMES)}")
    return requested


def load_predictor(
    run_path: str | Path, runtime: str | None = None, precision: str = "auto", batch_size: int = 64
) -> RunPredictor:
    """The run's model on a runtime: `torch` (precision auto = bf16 where native), `torch-int8`, `onnx`,
    `onnx-int8`; None = the run's own (runtime.json)."""
    runtime = resolve_runtime(runtime, run_runtime(run_path))
    if runtime == "torch":
        return Predictor.from_run(run_path, precision=precision, batch_size=batch_size)
    if runtime == "torch-int8":
        return TorchInt8Predictor.from_run(run_path, batch_size=batch_size)
    return OnnxPredictor.from_run(run_path, batch_size=batch_size, file=ONNX_FILES[runtime])
