"""SetFit's own pipeline, outside vertune, on the same few-shot splits as `bench/few_shot.py`: is a gap between
`method: contrastive` and fine-tuning vertune's doing, or the method's on this model and data?

Per (dataset, seed): the builtin MiniLM as a sentence-transformers model (mean pooling) is tuned by setfit's
pair phase (`--iterations`, batch 16, 1 epoch, max length 64), and logistic regressions (scikit-learn's
defaults, SetFit's head) are fitted on three features of the training rows, before and after the pairs:
the mean-pooled embedding (what SetFit's head reads), the [CLS] token's last hidden state, and BERT's pooler
output (what a saved transformers classifier's head reads). Scored by test macro-F1 on the same stratified
test subset. One JSON line per (dataset, seed).

    .venv/bin/python bench/setfit_reference.py --datasets drug_reviews,bbc_news --size 8 --seeds 3
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from few_shot import DATA_DIR, split, stratified

MAX_LENGTH = 64


def features(encoder: object, texts: list[str]) -> dict[str, np.ndarray]:
    """Mean-pooled, [CLS] and pooler features of `texts` from the sentence-transformers model's backbone."""
    tokenizer, body = encoder.tokenizer, encoder[0].auto_model  # type: ignore[attr-defined,index]
    body.eval()
    parts: dict[str, list[np.ndarray]] = {"mean": [], "cls": [], "pooler": []}
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            batch = tokenizer(
                texts[start : start + 64],
                padding=True,
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="pt",
            )
            outputs = body(**batch)
            hidden, mask = outputs.last_hidden_state, batch["attention_mask"].unsqueeze(-1).float()
            parts["mean"].append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
            parts["cls"].append(hidden[:, 0].numpy())
            parts["pooler"].append(outputs.pooler_output.numpy())
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}


def probe_scores(encoder: object, train: pd.DataFrame, test: pd.DataFrame, prefix: str) -> dict[str, float]:
    fitted, scored = features(encoder, list(train.text)), features(encoder, list(test.text))
    return {
        f"{prefix}_{name}": round(
            float(
                f1_score(
                    test.label,
                    LogisticRegression(max_iter=2000).fit(fitted[name], train.label).predict(scored[name]),
                    average="macro",
                )
            ),
            4,
        )
        for name in fitted
    }


def main() -> None:
    from sentence_transformers import SentenceTransformer
    from setfit import SetFitModel, Trainer, TrainingArguments

    from vertune.models.resolve import resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--datasets", default="drug_reviews,bbc_news")
    parser.add_argument("--size", default="8", help="rows per class")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--test-rows", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    for dataset in args.datasets.split(","):
        pool = pd.read_csv(args.data_dir / f"{dataset}_train.csv")[["text", "label"]]
        test = stratified(
            pd.read_csv(args.data_dir / f"{dataset}_test.csv")[["text", "label"]], args.test_rows
        )
        for seed in range(args.seeds):
            train, _ = split(pool, args.size, seed)
            encoder = SentenceTransformer(resolve_model("minilm"), device="cpu")
            encoder.max_seq_length = MAX_LENGTH
            line: dict[str, object] = {
                "bench": "setfit_reference",
                "dataset": dataset,
                "rows_per_class": args.size,
                "seed": seed,
                "iterations": args.iterations,
                "load_avg_1m": round(os.getloadavg()[0], 2),
                **probe_scores(encoder, train, test, "untuned"),
            }
            training = TrainingArguments(
                output_dir=str(Path("/tmp") / "setfit-reference"),
                batch_size=16,
                num_epochs=1,
                num_iterations=args.iterations,
                max_length=MAX_LENGTH,
                seed=seed,
                show_progress_bar=False,
                report_to="none",
                save_strategy="no",
                logging_strategy="no",
            )
            trainer = Trainer(
                model=SetFitModel(model_body=encoder, model_head=LogisticRegression()),
                args=training,
                metric=lambda _predicted, _gold: {},  # a callable: nothing fetched from the hub
            )
            started = time.perf_counter()
            trainer.train_embeddings(list(train.text), list(train.label), args=training)
            line["pair_seconds"] = round(time.perf_counter() - started, 1)
            line.update(probe_scores(encoder, train, test, "tuned"))
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
