"""Prediction for `vertune predict`: texts (or text pairs) and whole files, through the run's predictor:
PyTorch by default, or the runtime `--backend` names (deploy/runtimes.py; `onnx` needs no torch)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertune.data.pii import output_redactor, redact_columns
from vertune.data.readers import read_table
from vertune.data.writers import write_frame
from vertune.errors import VertuneError
from vertune.run import RunDir

if TYPE_CHECKING:
    from vertune.models.predictor import RunPredictor


def predict_texts(
    run: RunDir,
    texts: Sequence[str],
    text_pairs: Sequence[str] | None,
    quiet: bool,
    backend: str | None = None,
) -> list[dict[str, Any]]:
    """Decoded predictions for texts, or text pairs for a pair run."""
    from vertune.generation.predict import complete_texts, is_generation_run

    check_texts(texts)
    if is_generation_run(run):
        no_backend(backend)
        return complete_texts(run, texts)
    predictor = run_predictor(run, backend)
    pairs = predictor.task.reads_pairs
    if pairs and text_pairs is None:
        raise VertuneError("this run reads text pairs; give one --text-pair per text (in the same order)")
    if not pairs and text_pairs is not None:
        raise VertuneError("this run reads single texts; --text-pair is only for runs of task: pair")
    if text_pairs is not None:
        if len(text_pairs) != len(texts):
            raise VertuneError(
                f"{len(texts)} texts but {len(text_pairs)} --text-pair values; give one per text"
            )
        check_texts(text_pairs, "text pair")
        return predictor.predict(list(zip(texts, text_pairs, strict=True)), quiet=quiet)
    return predictor.predict(list(texts), quiet=quiet)


def predict_table(
    run: RunDir,
    input_path: str | Path,
    output_path: str | Path,
    text_column: str | None,
    text_pair_column: str | None,
    quiet: bool,
    backend: str | None = None,
) -> int:
    """Every row of a file, written back with the task's prediction columns; the number of rows."""
    import pandas as pd

    run.require_model()
    recipe = run.load_recipe()
    columns = {"text_column": text_column, "text_pair_column": text_pair_column}
    data_config = recipe.data.model_copy(update={k: v for k, v in columns.items() if v})
    table = read_table(input_path)
    if recipe.task == "generation":  # a `completion` column
        from vertune.generation.predict import complete_table

        no_backend(backend)
        rows = complete_table(run, table, data_config, quiet)
    else:
        predictor = run_predictor(run, backend)
        predictions = predictor.predict(predictor.task.inputs(table, data_config), quiet=quiet)
        rows = [predictor.task.prediction_columns(p) for p in predictions]
    # data.redact: the file written back holds the user's rows; redact every column like the inputs
    frame = redact_columns(pd.DataFrame(table.values), table.columns, recipe.data)
    added = pd.DataFrame(rows, index=frame.index)
    # a column the file already has (a reference `completion`) is kept; the prediction gets a suffix
    added = added.rename(columns={c: f"{c}_predicted" for c in added.columns if c in frame.columns})
    write_frame(pd.concat([frame, added], axis=1), Path(output_path))
    return len(frame)


def run_predictor(run: RunDir, backend: str | None) -> RunPredictor:
    """The run's model in PyTorch (as always), or on `backend`: torch, torch-int8, onnx or onnx-int8, as
    `vertune serve --backend` reads them (onnx needs `vertune export` first; on a run compressed for int8 it
    means that run's int8 file)."""
    if backend is None:
        from vertune.models.predictor import Predictor

        return Predictor.from_run(run.path)
    from vertune.deploy.runtimes import load_predictor

    return load_predictor(run.path, backend)


def no_backend(backend: str | None) -> None:
    if backend is not None:
        raise VertuneError("--backend is for encoder runs; a generation run predicts with its own model")


def shown_texts(run: RunDir, texts: Sequence[str]) -> list[str]:
    """Texts as vertune may print them next to their predictions: redacted when the run was trained with
    `data.redact`."""
    redact = output_redactor(run.load_recipe().data)
    return [redact(t) for t in texts]


def check_texts(texts: Sequence[str], what: str = "text") -> None:
    if not texts:
        raise VertuneError("no text to predict; give texts as arguments or --file")
    for i, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text.strip():
            raise VertuneError(f"{what} {i} is empty; give non-empty texts")
